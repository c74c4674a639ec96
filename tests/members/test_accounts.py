import re

from django.urls import reverse

from tests.factories import PASSWORD


def test_explore(client, member, mailoutbox):
    r = client.get(reverse("account_signup"))
    open("/tmp/explore/signup.html", "w").write(r.content.decode())
    r = client.get(reverse("account_login"))
    open("/tmp/explore/login.html", "w").write(r.content.decode())
    r = client.post(reverse("account_signup"), {"display_name": "Ann", "email": "ann@example.org", "password1": PASSWORD, "password2": PASSWORD})
    print(r.status_code, r.headers.get("Location"))
    r = client.get(r.headers["Location"])
    open("/tmp/explore/sent.html", "w").write(r.content.decode())
    print(r.wsgi_request.user)
    for m in mailoutbox:
        print(m.to, m.subject, m.body)
    r = client.post(reverse("account_signup"), {"display_name": "Ann", "email": member.email, "password1": PASSWORD, "password2": PASSWORD})
    print(r.status_code, r.headers.get("Location"))
    print(mailoutbox[-1].to, mailoutbox[-1].subject, mailoutbox[-1].body)
    r = client.post(reverse("account_signup"), {"display_name": "", "email": "bad", "password1": PASSWORD, "password2": "x"})
    open("/tmp/explore/signup_bad.html", "w").write(r.content.decode())
