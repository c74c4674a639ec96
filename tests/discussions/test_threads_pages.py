"""The discussions pages (issue 18, the threads part): the list with its unread marks, starting and changing a
discussion, its page with comments and replies, the htmx comment form, and who may do what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from discussions.models import AllRead, Comment, Seen, Thread, ThreadVersion
from discussions.services import comment_add, thread_start
from discussions.views.threads import COMMENTS_PAGE_SIZE, PAGE_SIZE
from tests.factories import CommentFactory, GoalFactory, MembershipFactory, ThreadFactory


def url(name: str, collaborative, **kwargs) -> str:
    return reverse(f"discussions:{name}", kwargs={"slug": collaborative.slug, **kwargs})


def started(collaborative, by, **fields) -> Thread:
    return thread_start(
        collaborative=collaborative, by=by, title=fields.pop("title", "Weekend opening"), text="Shall we ask?", **fields
    )


def test_a_member_starts_a_discussion_and_it_is_listed(client, people, collaborative):
    client.force_login(people["member"])
    response = client.post(
        url("new", collaborative), {"title": "  Weekend opening  ", "text": "Should the cafe open on **Saturdays**?"}
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert (thread.title, thread.started_by) == ("Weekend opening", people["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "<strong>Saturdays</strong>" in page  # The safe Markdown of notes.
    listed = client.get(url("list", collaborative)).content.decode()
    assert "Weekend opening" in listed
    assert "Start a discussion" in listed


def test_starting_without_a_title_or_text_says_what_is_missing_and_saves_nothing(client, people, collaborative):
    client.force_login(people["member"])
    response = client.post(url("new", collaborative), {"title": " ", "text": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the discussion a title." in page
    assert "Say what you would like to talk about." in page
    assert not Thread.objects.exists()


def test_a_discussion_links_only_to_what_the_member_may_see(client, people, collaborative, other_collaborative):
    goal = GoalFactory(collaborative=collaborative)
    elsewhere = GoalFactory(collaborative=other_collaborative)
    client.force_login(people["member"])
    response = client.post(url("new", collaborative), {"title": "T", "text": "X", "goal": elsewhere.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.post(url("new", collaborative), {"title": "T", "text": "X", "goal": goal.pk})
    assert Thread.objects.get().goal == goal
    # And it shows on the goal's page.
    page = client.get(goal.get_absolute_url()).content.decode()
    assert "Discussions about this" in page
    assert "T</a>" in page


def test_script_in_a_comment_never_reaches_the_page(client, people, collaborative):
    thread = started(collaborative, people["member"])
    comment_add(thread=thread, author=people["member"], text="<script>alert(1)</script> [x](javascript:alert(1))")
    client.force_login(people["commissioner"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert 'href="javascript' not in page


def test_a_comment_without_javascript_is_added_and_goes_to_its_anchor(client, people, collaborative):
    thread = started(collaborative, people["facilitator"])
    client.force_login(people["member"])
    response = client.post(url("comment_add", collaborative, pk=thread.pk), {"text": "Yes, Saturdays."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=1#comment-{comment.pk}"
    thread.refresh_from_db()
    assert thread.comment_count == 1


def test_the_htmx_comment_form_answers_with_the_comment_in_place_and_an_empty_form(client, people, collaborative):
    thread = started(collaborative, people["facilitator"])
    client.force_login(people["member"])
    response = client.post(
        url("comment_add", collaborative, pk=thread.pk), {"text": "Yes, Saturdays."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    comment = Comment.objects.get()
    assert 'data-hx-swap-oob="beforeend:#comments"' in fragment
    assert f'id="comment-{comment.pk}"' in fragment
    assert "Yes, Saturdays." in fragment
    # The form comes back empty: the words are only in the comment.
    form = fragment.split('<form method="post" action="' + url("comment_add", collaborative, pk=thread.pk))[1]
    assert "Yes, Saturdays." not in form.split("</form>")[0]


def test_the_htmx_form_with_nothing_written_comes_back_with_its_error(client, people, collaborative):
    thread = started(collaborative, people["facilitator"])
    client.force_login(people["member"])
    response = client.post(
        url("comment_add", collaborative, pk=thread.pk), {"text": "  "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Write your comment before sending it." in response.content.decode()
    assert not Comment.objects.exists()


def test_without_javascript_an_empty_comment_shows_the_page_with_its_error(client, people, collaborative):
    thread = started(collaborative, people["facilitator"])
    client.force_login(people["member"])
    response = client.post(url("comment_add", collaborative, pk=thread.pk), {"text": ""})
    assert response.status_code == 400
    assert "Write your comment before sending it." in response.content.decode()


def test_a_reply_to_a_reply_goes_under_the_comment_it_answers(client, people, collaborative):
    thread = started(collaborative, people["facilitator"])
    top = comment_add(thread=thread, author=people["facilitator"], text="Top")
    reply = comment_add(thread=thread, author=people["member"], text="Reply", parent=top)
    client.force_login(people["commissioner"])
    client.post(url("comment_add", collaborative, pk=thread.pk), {"text": "Reply to the reply", "parent": reply.pk})
    deeper = Comment.objects.get(text="Reply to the reply")
    assert deeper.parent == top
    page = client.get(thread.get_absolute_url()).content.decode()
    replies = page.split(f'id="replies-{top.pk}"')[1].split("</ol>")[0]
    assert "Reply" in replies
    assert "Reply to the reply" in replies


def test_a_reply_to_a_comment_of_another_discussion_is_refused(client, people, collaborative):
    thread, other = started(collaborative, people["facilitator"]), started(collaborative, people["facilitator"])
    elsewhere = comment_add(thread=other, author=people["facilitator"], text="Elsewhere")
    client.force_login(people["member"])
    response = client.post(url("comment_add", collaborative, pk=thread.pk), {"text": "Hi", "parent": elsewhere.pk})
    assert response.status_code == 400
    assert "The comment you replied to is not in this discussion." in response.content.decode()
    assert thread.comments.count() == 0


def test_a_closed_discussion_takes_no_comments_and_says_so(client, people, collaborative):
    thread = ThreadFactory(
        collaborative=collaborative, status=Thread.Status.CLOSED, closed_at=timezone.now(), outcome="Done."
    )
    client.force_login(people["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This discussion is closed, so it takes no new comments." in page
    response = client.post(url("comment_add", collaborative, pk=thread.pk), {"text": "Late"}, follow=True)
    assert "This discussion is closed, so it takes no new comments." in response.content.decode()
    assert not Comment.objects.exists()


def test_the_starter_changes_the_discussion_and_the_earlier_words_are_kept(client, people, collaborative):
    thread = started(collaborative, people["member"])
    client.force_login(people["member"])
    client.post(url("thread_edit", collaborative, pk=thread.pk), {"title": "Weekend hours", "text": "Sat and Sun?"})
    thread.refresh_from_db()
    assert (thread.title, thread.text) == ("Weekend hours", "Sat and Sun?")
    version = ThreadVersion.objects.get()
    assert (version.title, version.text, version.saved_by) == ("Weekend opening", "Shall we ask?", people["member"])
    client.force_login(people["commissioner"])
    assert client.post(url("thread_edit", collaborative, pk=thread.pk), {"title": "X", "text": "Y"}).status_code == 403
    assert "Weekend opening" in client.get(url("thread_versions", collaborative, pk=thread.pk)).content.decode()


def test_opening_a_discussion_records_that_the_person_has_seen_it(client, people, collaborative):
    thread = started(collaborative, people["facilitator"])
    client.force_login(people["member"])
    listed = client.get(url("list", collaborative)).content.decode()
    assert "New</strong>" in listed
    client.get(thread.get_absolute_url())
    assert Seen.objects.filter(user=people["member"], thread=thread).exists()
    assert "New</strong>" not in client.get(url("list", collaborative)).content.decode()
    # A new comment makes it unread again; marking all as read (the digest part's button) reads it.
    comment_add(thread=thread, author=people["facilitator"], text="More")
    assert "New</strong>" in client.get(url("list", collaborative)).content.decode()
    AllRead.objects.create(user=people["member"], collaborative=collaborative, at=timezone.now() + timedelta(seconds=1))
    assert "New</strong>" not in client.get(url("list", collaborative)).content.decode()


def test_the_list_filters_open_and_closed_and_its_fragment_is_the_table(client, people, collaborative):
    ThreadFactory(collaborative=collaborative, title="Still talking")
    ThreadFactory(collaborative=collaborative, title="All done", status="closed", closed_at=timezone.now())
    client.force_login(people["member"])
    response = client.get(url("list", collaborative), {"status": "closed"}, headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert 'id="thread-table"' in fragment
    assert "All done" in fragment
    assert "Still talking" not in fragment
    # A value that is not a choice shows every discussion, not an error page.
    page = client.get(url("list", collaborative), {"status": "nonsense", "goal": "²"}).content.decode()
    assert "All done" in page
    assert "Still talking" in page


# The session, the person, their memberships and the data version, and the count beside "Discussions" in the
# navigation; then the page's own reads: the list is one query (each row's unread mark a subquery) and its count;
# a discussion's page reads it, a page of its comments with their replies (two queries), whether it was changed,
# the person's following, its polls, and records that they saw it.
QUERIES = {"list": 6, "thread": 16}


@pytest.mark.parametrize("rows", [2, 50])
def test_the_list_takes_the_same_queries_however_many_discussions(
    client, people, collaborative, django_assert_num_queries, rows
):
    for thread in ThreadFactory.create_batch(rows, collaborative=collaborative):
        Seen.objects.create(user=people["member"], thread=thread)
    client.force_login(people["member"])
    client.get(url("list", collaborative))  # Warm the session and caches.
    with django_assert_num_queries(QUERIES["list"]):
        response = client.get(url("list", collaborative))
    assert response.content.decode().count('class="thread-title"') == min(rows, PAGE_SIZE)


@pytest.mark.parametrize("rows", [2, 50])
def test_a_discussion_page_takes_the_same_queries_however_many_comments(
    client, people, collaborative, django_assert_num_queries, rows
):
    thread = ThreadFactory(collaborative=collaborative)
    for comment in CommentFactory.create_batch(rows, thread=thread):
        CommentFactory(thread=thread, parent=comment)
    client.force_login(people["member"])
    client.get(thread.get_absolute_url())
    with django_assert_num_queries(QUERIES["thread"]):
        response = client.get(thread.get_absolute_url())
    assert response.content.decode().count('class="comment-by"') == 2 * min(rows, COMMENTS_PAGE_SIZE)


def test_a_long_discussion_shows_its_latest_comments_with_a_link_to_earlier_ones(client, people, collaborative):
    thread = ThreadFactory(collaborative=collaborative)
    CommentFactory.create_batch(COMMENTS_PAGE_SIZE + 3, thread=thread)
    client.force_login(people["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert page.count('class="comment-by"') == 3
    assert "Earlier comments" in page
    assert client.get(thread.get_absolute_url(), {"page": 1}).content.decode().count('class="comment-by"') == 50


def test_an_outsider_gets_404_and_a_member_403_for_facilitators_pages(client, people, collaborative):
    thread = started(collaborative, people["commissioner"])
    comment = comment_add(thread=thread, author=people["commissioner"], text="Mine")
    client.force_login(people["outsider"])
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(url("list", collaborative)).status_code == 404
    client.force_login(people["member"])
    assert client.get(url("close", collaborative, pk=thread.pk)).status_code == 403
    assert client.get(url("comment_hide", collaborative, pk=comment.pk)).status_code == 403
    assert client.get(url("comment_edit", collaborative, pk=comment.pk)).status_code == 403
    assert client.post(url("comment_withdraw", collaborative, pk=comment.pk)).status_code == 403
    assert Comment.objects.get().status == Comment.Status.SHOWN


def test_a_comment_with_no_author_left_is_a_former_members(client, people, collaborative):
    thread = started(collaborative, people["commissioner"])
    CommentFactory(thread=thread, author=None, text="Hello")
    client.force_login(people["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert escape("Former member") in page


def test_a_member_of_two_collaboratives_sees_only_this_ones_discussions(
    client, people, collaborative, other_collaborative
):
    MembershipFactory(collaborative=other_collaborative, user=people["member"])
    ThreadFactory(collaborative=other_collaborative, title="Luton only")
    client.force_login(people["member"])
    assert "Luton only" not in client.get(url("list", collaborative)).content.decode()
