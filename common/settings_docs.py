"""Settings documented from their fields: the README's tables and the commands' --help."""

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


def settings_help(settings: type[BaseSettings]) -> str:
    """For an argparse epilog (RawDescriptionHelpFormatter)."""
    lines = ["settings (environment variables, or .env; see the README):"]
    for name, default, meaning in settings_rows(settings):
        plain = f"{meaning} [{default}]".replace("`", "")
        lines.append(f"  {name:30} {plain}")
    return "\n".join(lines)
