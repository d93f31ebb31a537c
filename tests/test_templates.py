"""`--templates DIR` replaces built-in templates file by file; templates/README.md documents them."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GENERATED, ROOT

from generator import build_api, cli, generate
from generator import model as m
from generator.config import Options, load_options
from generator.render import BUILTIN_RUNTIME, BUILTIN_TEMPLATES, FILTERS, TemplateError, runtime_modules

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


def test_runtime_modules_are_copied_verbatim_below_the_header(builtin: dict[str, str]) -> None:
    copied = [name for name in runtime_modules() if name != "_package.py"]
    assert {"_base.py", "_decode.py", "_errors.py", "_models.py", "_transport.py"} <= set(copied)
    for name in copied:
        text = builtin[f"slack_variants/{name}"]
        assert text.partition("\n")[2] == (BUILTIN_RUNTIME / name).read_text("utf-8"), name
    assert "slack_variants" in builtin["slack_variants/_package.py"]  # the one module a template writes


def test_a_user_template_replaces_a_runtime_module(tmp_path: Path, builtin: dict[str, str]) -> None:
    source = (BUILTIN_RUNTIME / "_errors.py").read_text()
    write(tmp_path, "package/_errors.py.jinja", source + '\nHOUSE = ( {{ api.package | pystr }} )\n')
    files = generate(options(tmp_path))
    # formatted like every templated module (only the verbatim copies skip black)
    assert files["slack_variants/_errors.py"].endswith('\nHOUSE = "slack_variants"\n')
    assert files["slack_variants/_base.py"] == builtin["slack_variants/_base.py"]


def test_an_installed_generator_finds_its_templates_and_runtime(tmp_path: Path) -> None:
    """pip installs `templates/` and `runtime/` inside the generator package; generating from that
    install, away from the checkout, gives the golden copy's package."""
    project = tmp_path / "project"  # a copy: building writes metadata beside the sources
    for name in ("generator", "runtime", "templates"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    site, work = tmp_path / "site", tmp_path / "work"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                             "--target", str(site), str(project)], cwd=tmp_path, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    (work / "spec").mkdir(parents=True)
    shutil.copy(ROOT / "spec" / "calls.yaml", work / "spec" / "calls.yaml")
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from generator.cli import main; "
              "sys.exit(main(['--spec', 'spec/calls.yaml', '--out', 'out', '--no-cache']))")
    result = subprocess.run([sys.executable, "-I", "-c", script, str(site)], cwd=work, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    def package(out: Path) -> dict[str, str]:  # less `__version__`: a fresh history starts at 1.0.0
        return {p.relative_to(out).as_posix(): re.sub(r'(?m)^__version__ = .*$', "", p.read_text())
                for p in (out / "slack_calls").rglob("*.py") if "__pycache__" not in p.parts}

    assert "slack_calls/_base.py" in package(GENERATED)
    assert package(work / "out") == package(GENERATED)


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


def test_the_readme_lists_every_runtime_module() -> None:
    text = README.read_text()
    assert [name for name in runtime_modules() if f"`{name}`" not in text] == []


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


LONG = "AdminConversationsEkmListOriginalConnectedChannelInfoResponseChannelsItem"


@pytest.mark.parametrize("layout", [
    "class A:\n" + FILTERS["black_field"]("warnings_", "list[AppsManifestValidateResponseWarningsItem] | None", ' = field(default=None, metadata={"wire": "m"})'),
    "class A:\n" + FILTERS["black_field"]("channels", f"list[{LONG} | {LONG}X] | None", " = None"),
    FILTERS["black_class"](LONG + "Metadata", "Model") + "\n    pass",
    "class A:\n" + FILTERS["black_assign"]("EXTERNAL_TEAMS_INTERACT_WITH_LOCALLY_OWNED_WORKFLOWS",
                            '"external_teams_interact_with_locally_owned_workflows"'),
    "class A:\n" + FILTERS["black_assign"]("list_original_connected_channel_info", LONG + "Method", 4, ": "),
    "class A:\n    def f(self) -> None:\n" + FILTERS["black_assign"]("self.invite_permissions",
                                                                       "ConversationsExternalInvitePermissions(client)", 8),
    "def f(\n    *,\n" + FILTERS["black_parameter"]("types", f"Sequence[{LONG} | str] | None", " = None", 4)
    + "\n" + FILTERS["black_returns"](f"Iterator[{LONG} | {LONG}X]", 0) + "\n    pass",
])
def test_layout_filters_lay_out_long_lines_as_black_does(layout: str) -> None:
    import black

    text = layout + "\n"
    assert max(map(len, text.splitlines())) <= 88  # each case is too long for one line: split
    assert black.format_str(text, mode=black.Mode(line_length=88)) == text
