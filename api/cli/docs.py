"""The docs made from the code: `python -m api openapi` writes openapi.json, `python -m api
readme` the README's tables of settings and errors (of both services: the README is one
manual). tests/test_docs.py fails when either is stale."""

import json
import re
from pathlib import Path

import click

import media.auth
import media.store.base
import media.views
from api.app import create_app
from api.cli.running import load_settings
from api.settings import ApiSettings
from api.web.openapi import PROBLEMS, build_spec
from common import problems
from common.settings_docs import settings_table
from media.settings import MediaSettings

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(.*?)(<!-- end -->)", re.DOTALL)


def readme_sections() -> dict[str, str]:
    media_problems = problems.problem_classes(media.auth, media.store.base, media.views)
    return {
        "api-settings": settings_table(ApiSettings),
        "media-settings": settings_table(MediaSettings),
        "api-errors": problems.problems_table(PROBLEMS),
        "media-errors": problems.problems_table(media_problems),
    }


def rendered_readme(text: str) -> str:
    sections = readme_sections()

    def fill(match: re.Match) -> str:
        return f"{match[1]}{sections[match['name']]}\n{match[4]}"

    return SECTION.sub(fill, text)


def write_readme(path: Path) -> None:
    path.write_text(rendered_readme(path.read_text()))
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
@click.option("--path", type=click.Path(path_type=Path), default=README,
              help="The README to rewrite (default: this checkout's README.md).")  # fmt: skip
def readme_command(path: Path) -> None:
    """Rewrite the README's tables made from the code."""
    write_readme(path)
