"""The docs made from the code: `python -m api openapi` writes openapi.json, `python -m api
readme` the tables of settings and errors in docs/settings.md (of both services: the docs are
one manual). tests/test_readme.py fails when either is stale, in any page of the docs."""

import json
import re
from pathlib import Path

import click

import media.errors
from api.app import create_app
from api.cli.running import load_settings
from api.settings import ApiSettings
from api.web.openapi import PROBLEMS, build_spec
from common import problems
from common.settings_docs import settings_table
from media.settings import MediaSettings

SETTINGS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
SECTION = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(.*?)(<!-- end -->)", re.DOTALL)


def generated_tables() -> dict[str, str]:
    media_problems = problems.problem_classes(media.errors)
    return {
        "api-settings": settings_table(ApiSettings),
        "media-settings": settings_table(MediaSettings),
        "api-errors": problems.problems_table(PROBLEMS),
        "media-errors": problems.problems_table(media_problems),
    }


def rendered(text: str) -> str:
    """The page with each `<!-- generated: name -->` table made again from the code."""
    sections = generated_tables()

    def fill(match: re.Match) -> str:
        return f"{match[1]}{sections[match['name']]}\n{match[4]}"

    return SECTION.sub(fill, text)


def write_tables(path: Path) -> None:
    path.write_text(rendered(path.read_text()))
    print(f"wrote {path}")


def openapi_text(settings: ApiSettings) -> str:
    spec = build_spec(create_app(settings))
    # Sorted: the generator lists methods in no fixed order, and the file should not churn.
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_openapi(settings: ApiSettings, target: Path) -> None:
    target.write_text(openapi_text(settings))
    print(f"wrote {target}")


@click.command("openapi")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("openapi.json"),
              show_default=True, help="Where to write it.")  # fmt: skip
def openapi_command(output: Path) -> None:
    """Write the OpenAPI spec generated from the views."""
    write_openapi(load_settings(), output)


@click.command("readme")
@click.option("--path", type=click.Path(path_type=Path), default=SETTINGS_PAGE,
              help="The page to rewrite (default: this checkout's docs/settings.md).")  # fmt: skip
def readme_command(path: Path) -> None:
    """Rewrite the tables of settings and errors made from the code (docs/settings.md)."""
    write_tables(path)
