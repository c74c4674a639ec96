"""Each type of poll's arithmetic (discussions.polls.count): pure functions, ballots in and figures out."""

from discussions.models import Poll
from discussions.polls import IF_I_MUST, NO, YES, Ballot, Option, count

PROPOSAL = [Option(1, "Agree"), Option(2, "Abstain"), Option(3, "Disagree"), Option(4, "Block")]
DRINKS = [Option(11, "Tea"), Option(12, "Coffee"), Option(13, "Juice")]


def test_a_proposal_counts_each_position_lists_reasons_without_names_and_flags_blocks():
    ballots = [
        Ballot({1: 1}),
        Ballot({1: 1}, reason="Good idea"),
        Ballot({3: 1}, reason="Too far for carers"),
        Ballot({4: 1}, reason="Not step-free"),
        Ballot({2: 1}),
    ]
    results = count(Poll.Type.PROPOSAL, PROPOSAL, ballots)
    assert results["voters"] == 5
    assert [(row["text"], row["count"], row["share"]) for row in results["options"]] == [
        ("Agree", 2, 40),
        ("Abstain", 1, 20),
        ("Disagree", 1, 20),
        ("Block", 1, 20),
    ]
    assert results["blocks"] == 1
    # In the order of the positions, not of voting; nobody's name anywhere.
    assert results["reasons"] == [
        {"position": "Agree", "reason": "Good idea"},
        {"position": "Disagree", "reason": "Too far for carers"},
        {"position": "Block", "reason": "Not step-free"},
    ]


def test_a_proposal_nobody_voted_in_has_nothing_and_no_blocks():
    results = count(Poll.Type.PROPOSAL, PROPOSAL, [])
    assert results["voters"] == 0
    assert [row["share"] for row in results["options"]] == [0, 0, 0, 0]
    assert results["blocks"] == 0


def test_choose_one_counts_votes_and_the_share_of_voters():
    ballots = [Ballot({11: 1}), Ballot({11: 1}), Ballot({12: 1})]
    results = count(Poll.Type.ONE, DRINKS, ballots)
    assert [(row["count"], row["share"]) for row in results["options"]] == [(2, 67), (1, 33), (0, 0)]


def test_choose_several_shares_are_of_voters_so_they_add_up_to_more_than_all():
    ballots = [Ballot({11: 1, 12: 1}), Ballot({11: 1}), Ballot({11: 1, 13: 1}), Ballot({12: 1})]
    results = count(Poll.Type.SEVERAL, DRINKS, ballots)
    assert results["voters"] == 4
    assert [(row["count"], row["share"]) for row in results["options"]] == [(3, 75), (2, 50), (1, 25)]


def test_scores_give_each_option_its_total_and_average():
    ballots = [Ballot({11: 5, 12: 0, 13: 2}), Ballot({11: 4, 12: 1, 13: 2}), Ballot({11: 3, 12: 0, 13: 3})]
    results = count(Poll.Type.SCORE, DRINKS, ballots)
    assert [(row["total"], row["average"]) for row in results["options"]] == [(12, 4.0), (1, 0.3), (7, 2.3)]


def test_dots_add_up_per_option_with_their_share_of_all_dots():
    ballots = [Ballot({11: 7, 12: 3}), Ballot({13: 10}), Ballot({11: 5})]
    results = count(Poll.Type.DOTS, DRINKS, ballots)
    assert results["dots_given"] == 25
    assert [(row["total"], row["share"]) for row in results["options"]] == [(12, 48), (3, 12), (10, 40)]


def test_the_best_time_has_the_most_yes():
    times = [Option(21, "Monday 18:00"), Option(22, "Tuesday 18:00"), Option(23, "Wednesday 18:00")]
    ballots = [
        Ballot({21: YES, 22: YES, 23: NO}),
        Ballot({21: NO, 22: YES, 23: YES}),
        Ballot({21: IF_I_MUST, 22: YES, 23: NO}),
    ]
    results = count(Poll.Type.TIME, times, ballots)
    assert [(row["yes"], row["maybe"], row["no"]) for row in results["options"]] == [(1, 1, 1), (3, 0, 0), (1, 0, 2)]
    assert results["best"] == 22
    assert [row["best"] for row in results["options"]] == [False, True, False]


def test_a_tie_on_yes_goes_to_the_time_with_fewest_no_then_the_earliest():
    times = [Option(21, "Monday"), Option(22, "Tuesday"), Option(23, "Wednesday")]
    ballots = [
        Ballot({21: YES, 22: YES, 23: YES}),
        Ballot({21: NO, 22: IF_I_MUST, 23: IF_I_MUST}),
    ]
    results = count(Poll.Type.TIME, times, ballots)
    assert results["best"] == 22  # Tuesday and Wednesday tie on yes and no: the earlier offered.
    assert count(Poll.Type.TIME, times, [])["best"] is None
