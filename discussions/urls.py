"""The discussions app's pages: discussions and comments (views/threads.py), polls (views/polls.py) and
what each person has read (views/reading.py)."""

from discussions.views import polls, reading, threads

app_name = "discussions"

urlpatterns = [*threads.urlpatterns, *polls.urlpatterns, *reading.urlpatterns]
