"""Health and readiness for any application on the framework, in the ``application/health+json``
format (IETF draft-inadarei-api-health-check)::

    from settings.contrib.health import health_router, readiness_check

    @readiness_check("redis", timeout=1.0)
    async def redis(settings: AppSettings, request: Request) -> bool | None:
        if settings.redis_url is None:
            return None                     # not configured: left out
        await ping(settings.redis_url)      # raises when Redis does not answer
        return True

    app.include_router(health_router())     # /health/live and /health/ready

``/health/ready`` reports each check under ``<name>:responseTime`` (a check that measures
itself returns a :class:`Report` with entries of its own), and the settings' fingerprint under
``settings:fingerprint``; any failing check makes it 503.

    _body.py      HealthCheck, Report, health_body: the health+json body
    _registry.py  readiness_check, run_readiness_checks: checks run concurrently, each bounded
    _routes.py    health_router: /live and /ready
"""

from settings.contrib.health._body import HEALTH_JSON, HealthCheck, Report, health_body
from settings.contrib.health._registry import readiness_check, run_readiness_checks
from settings.contrib.health._routes import health_router

__all__ = [
    "HEALTH_JSON",
    "HealthCheck",
    "Report",
    "health_body",
    "health_router",
    "readiness_check",
    "run_readiness_checks",
]
