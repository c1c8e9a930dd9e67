"""Requests that hand work to the task worker, in tests: a view queues a task once its rows are committed
(transaction.on_commit), and inside a test's transaction nothing commits; these run the queued tasks (with
the immediate backend of tests/conftest.py) as the request ends, as production's worker would."""

from django.test import TestCase


def post_running_tasks(client, url, data, *, follow=False):
    """POST, then run what it queued; with `follow`, GET the page it redirected to, as a browser does."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    if follow and response.status_code in (301, 302, 303):
        page = client.get(response["Location"], follow=True)
        page.redirect_chain = [(response["Location"], response.status_code), *page.redirect_chain]
        return page
    return response
