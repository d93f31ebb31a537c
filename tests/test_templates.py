"""`--templates DIR` replaces built-in templates file by file; templates/README.md documents them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from conftest import ROOT

from generator import build_api, cli, generate
from generator import model as m
from generator.config import Options, load_options
from generator.render import BUILTIN_TEMPLATES, FILTERS, TemplateError

SPEC = ROOT / "tests" / "cases" / "auth_variants" / "spec.yaml"  # five families: admin, auth, chat, files, partner
README = BUILTIN_TEMPLATES / "README.md"


def options(templates: Path | None) -> Options:
    return Options(spec=SPEC, out=Path("unused"), package="slack_variants", templates=templates, root=ROOT)


@pytest.fixture(scope="module")
def builtin() -> dict[str, str]:
    return generate(options(None))


def write(folder: Path, path: str, text: str) -> None:
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text(text)


def test_an_override_replaces_that_file_only(tmp_path: Path, builtin: dict[str, str]) -> None:
    write(tmp_path, "project/README.md.jinja", "# {{ api.package }}: our own README\n")
    files = generate(options(tmp_path))
    assert files["README.md"].splitlines()[1:] == ["# slack_variants: our own README"]
    provenance = ("README.md", ".generated-files")  # the manifest records the templates' digest
    assert {path: text for path, text in files.items() if path not in provenance} == \
        {path: text for path, text in builtin.items() if path not in provenance}


def test_a_family_template_wins_over_the_generic_one_for_that_family_only(
        tmp_path: Path, builtin: dict[str, str]) -> None:
    write(tmp_path, "package/resources/chat.py.jinja",
          '{% include "package/resources/family.py.jinja" %}\n\nCHANNEL_PREFIXES = ("C", "G", "D")\n')
    write(tmp_path, "macros/python.jinja", (BUILTIN_TEMPLATES / "macros" / "python.jinja").read_text()
          .replace('"""{{ m.summary', '"""(house style) {{ m.summary'))
    files = generate(options(tmp_path))
    chat = files["slack_variants/resources/chat.py"]
    assert chat.endswith('\n\nCHANNEL_PREFIXES = ("C", "G", "D")\n')
    assert '"""(house style)' in chat  # the include found the user's macros first
    for family in ("admin", "auth", "files", "partner"):
        module = files[f"slack_variants/resources/{family}.py"]
        assert "CHANNEL_PREFIXES" not in module and '"""(house style)' in module
    assert files["slack_variants/_base.py"] == builtin["slack_variants/_base.py"]


def test_a_broken_user_template_is_a_clear_error_naming_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "project/README.md.jinja", "# {{ api.package }}\n\n{{ api.no_such_field }}\n")
    with pytest.raises(TemplateError) as raised:
        generate(options(tmp_path))
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith(f"{tmp_path / 'project' / 'README.md.jinja'}:3: template error: ")
    assert "no_such_field" in str(raised.value)

    write(tmp_path, "project/README.md.jinja", "{% for x in api.families %}\n")
    out = tmp_path / "out"
    assert cli.main(["--spec", str(SPEC), "--out", str(out), "--templates", str(tmp_path)]) == 2
    assert "README.md.jinja:1: template error: Unexpected end of template" in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_templates_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--spec", str(SPEC), "--out", str(tmp_path / "out"), "--templates", "no/such/dir"]) == 2
    assert "templates folder no/such/dir does not exist" in capsys.readouterr().err


def test_the_readme_lists_every_template() -> None:
    text = README.read_text()
    templates = sorted(p.relative_to(BUILTIN_TEMPLATES).as_posix() for p in BUILTIN_TEMPLATES.rglob("*.jinja"))
    assert templates and [t for t in templates if f"`{t}`" not in text] == []


@pytest.mark.parametrize("cls", [m.Api, m.Family, m.Resource, m.Method, m.Parameter, m.Model, m.Field, m.Enum,
                                 m.EnumValue, m.ErrorCode])
def test_the_readme_documents_every_attribute_templates_receive(cls: type) -> None:
    section = re.search(rf"^### [^\n]*\b{cls.__name__}\b.*?(?=^##)", README.read_text(), re.DOTALL | re.MULTILINE)
    assert section, f"templates/README.md has no section for {cls.__name__}"
    public = [f.name for f in dataclasses.fields(cls)] + [
        name for name, value in vars(cls).items() if not name.startswith("_") and (
            isinstance(value, property) or callable(value))]
    assert [name for name in public if f"`{name}`" not in section.group(0) and f"`{name}()`" not in
            section.group(0)] == []


def test_the_readme_lists_every_filter() -> None:
    section = re.search(r"^## Filters\n(.*?)(?=^## |\Z)", README.read_text(), re.DOTALL | re.MULTILINE)
    assert section
    assert [name for name in FILTERS if not re.search(rf"^- `{name}[`(]", section.group(1), re.MULTILINE)] == []


def test_the_readme_says_which_api_attributes_are_tuples_or_lists() -> None:
    """`api.methods` once read like a mapping; each collection says what it is."""
    api = build_api(load_options({}, ROOT))
    section = re.search(r"^### Api\n(.*?)(?=^##)", README.read_text(), re.DOTALL | re.MULTILINE)
    assert section
    bullets = {match.group(1): match.group(0) for match in re.finditer(r"^- `(\w+)`.*(?:\n  .*)*", section.group(1),
                                                                       re.MULTILINE)}
    wrong = [name for name in bullets if isinstance(getattr(api, name), (tuple, list))
             and type(getattr(api, name)).__name__ not in bullets[name]]
    assert wrong == []
