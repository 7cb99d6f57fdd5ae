"""Helpers shared by the tests; test modules import helpers from here only (and fixtures from
the conftest modules), never from one another.

- ``postgres``: the shared server's URL, logins, throwaway clusters (``options_cluster`` too);
  ``pgbouncer``: PgBouncer in front of one; ``ports``: a free port.
- ``uvicorn``: the one way to start a real server (and ``python -m settings`` as a process);
  ``environ``: the repository and the environment a subprocess starts from.
- ``app_client``: the app in process, between its lifespan's startup and shutdown;
  ``probe_app``, ``reload_app``, ``work_app``: the reference app plus routes a test needs;
  ``load``: many concurrent clients; ``prometheus``: reading ``/metrics``.
- ``canaries``: secrets planted on purpose, and the traces of them no output may show.
- ``project``: settings files and a throw-away project; ``cli``: the command line's inputs
  and fixtures; ``chat``: an application's own model, its files and fixtures.
"""
