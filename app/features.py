"""``GET /features``: the feature flags this environment enables (typed access to the app's own
settings through ``SettingsDep``)."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import SettingsDep

router = APIRouter(tags=["features"])


@router.get("/features")
async def features(settings: SettingsDep) -> dict[str, bool]:
    """Each flag of ``[<environment>.features]`` and whether it is on."""
    return settings.features.model_dump()
