"""Settings documented from their fields: the tables of docs/settings.md, and the commands'
--help."""

import click
from pydantic_settings import BaseSettings


def _default(field) -> str:
    extra = field.json_schema_extra or {}
    if "shown_default" in extra:
        return extra["shown_default"]
    value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def settings_rows(settings: type[BaseSettings]) -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of every setting."""
    return [
        (name.upper(), _default(field), field.description or "")
        for name, field in settings.model_fields.items()
    ]


def settings_table(settings: type[BaseSettings]) -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [
        f"| `{name}` | {default} | {meaning} |"
        for name, default, meaning in settings_rows(settings)
    ]
    return "\n".join(lines)


def settings_help(settings: type[BaseSettings]) -> list[tuple[str, str]]:
    """(variable, meaning [default: ...]) of every setting, as click lists options."""
    rows = []
    for name, default, meaning in settings_rows(settings):
        shown = meaning if default == "``" else f"{meaning} [default: {default}]"
        rows.append((name, shown.replace("`", "")))
    return rows


class _SettingsInHelp:
    """A click command whose --help ends with the settings it runs by, from their fields."""

    def __init__(self, *args, settings: type[BaseSettings], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        rows = settings_help(self.settings)
        with formatter.section("Settings (environment variables, or .env; see docs/settings.md)"):
            formatter.write_dl(rows, col_max=max(len(name) for name, _ in rows))


class SettingsCommand(_SettingsInHelp, click.Command):
    pass


class SettingsGroup(_SettingsInHelp, click.Group):
    pass
