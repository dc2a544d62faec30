"""The API's contract pages: `/openapi.json` (docs/openapi.json, the committed document a test keeps in step
with the code; `make openapi` regenerates it) and a Swagger UI at `/docs` that works offline."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from local.paths import OPENAPI_PATH

Page = tuple[str, str]  # content type, text


def openapi_json() -> Page:
    return "application/json", OPENAPI_PATH.read_text()  # read each time: `make openapi` shows without a restart


def swagger_ui() -> Page:
    """Swagger UI with its script and style inlined from powertools' package."""
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    script, style = _swagger_assets()
    page = generate_swagger_html(
        spec=openapi_json()[1],
        swagger_js=script,
        swagger_css=style,
        swagger_base_url="",
        oauth2_config=None,
    )
    return "text/html; charset=utf-8", page


@cache
def _swagger_assets() -> tuple[str, str]:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui as assets

    folder = Path(assets.__file__).parent
    return (folder / "swagger-ui-bundle.min.js").read_text(), (folder / "swagger-ui.min.css").read_text()
