"""The shipped JSON Schemas: generated from the spec, and agreeing with the validator where they can."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, REPO_ROOT
from jsonschema import Draft202012Validator

from generator import spec
from generator.fields import Map
from generator.validate import check_text
from generator.yamlio import YamlProblem, decode, loads

SCHEMA_NAMES = list(spec.SCHEMAS)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_shipped_schema_matches_spec(name):
    """Fail when generator/schemas/ is stale. Regenerate it with `python -m generator.spec`."""
    shipped = (spec.SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
    assert shipped == json.dumps(spec.json_schema(name), ensure_ascii=False, indent=2) + "\n"


def test_schema_folder_has_only_generated_files():
    assert sorted(path.name for path in spec.SCHEMA_DIR.iterdir()) == sorted(
        f"{name}.schema.json" for name in SCHEMA_NAMES)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name):
    Draft202012Validator.check_schema(spec.json_schema(name))


def test_write_json_schemas_round_trip(tmp_path):
    written = spec.write_json_schemas(tmp_path)
    assert [path.name for path in written] == [f"{name}.schema.json" for name in SCHEMA_NAMES]
    for path in written:
        assert path.read_bytes() == (spec.SCHEMA_DIR / path.name).read_bytes()


# Agreement between the validator's field checks and the schema


def schema_errors(kind: str, data) -> list[str]:
    """Return the paths the schema rejects, naming the field itself for a missing or unknown key."""
    validator = Draft202012Validator(spec.json_schema(kind))
    paths = []
    for error in validator.iter_errors(data):
        names = [None]
        if error.validator == "required":
            names = [name for name in error.validator_value if name not in error.instance]
        elif error.validator == "additionalProperties":
            names = [name for name in error.instance if name not in error.schema.get("properties", {})]
        for name in names:
            steps = [*error.absolute_path, *([] if name is None else [name])]
            paths.append("/".join(str(step) for step in steps))
    return sorted(paths)


def field_problems(kind: str, text: str) -> list[str]:
    """Return the paths of the validator's per-field problems, leaving out checks across fields and files."""
    _, problems = check_text(kind, text, "file.yaml")
    return sorted("/".join(str(step) for step in problem.path) for problem in problems if problem.code == "field")


def data_files() -> list[tuple[str, Path]]:
    files = [("letter", path) for path in sorted((FIXTURES / "letters").glob("*.yaml"))]
    files += [("letter", path) for path in sorted((FIXTURES / "broken" / "letters").rglob("*.yaml"))]
    files += [("calendar-notice", path) for path in sorted((FIXTURES / "broken" / "calendar").glob("*.yaml"))]
    files += [("calendar-notice", FIXTURES / "calendar" / "local_typhoon_closure.yaml")]
    files += [("explanation", path) for path in sorted((FIXTURES / "broken" / "explanations").rglob("*.yaml"))]
    files += [("policy", REPO_ROOT / "data" / "policy.yaml"), ("departments", REPO_ROOT / "data" / "departments.yaml")]
    files += [("policy", FIXTURES / "broken" / "policy.yaml"),
              ("departments", FIXTURES / "broken" / "departments.yaml")]
    return files


# Where the two disagree, and why. Each entry maps a file name to the
# validator's problem paths and the schema's error paths.
KNOWN_DIFFERENCES = {
    # A pattern cannot tell that February has no 30th.
    "impossible_date.yaml": (["received"], []),
    "HF-2026-00312.yaml": (["received"], []),
    "local-typhoon-closure.yaml": (["holidays/0/to", "kind"], ["kind"]),
    # Reader scores are mapping keys, which YAML reads as numbers, and JSON
    # Schema can only constrain keys that are strings.
    "HF-2026-00305.yaml": (["ratings/author", "ratings/readers/7"], ["ratings/author"]),
}


def loadable(path: Path):
    try:
        return loads(decode(path.read_bytes()))
    except YamlProblem:
        return None


# Files that the strict loader rejects (tabs, tags, duplicate keys, bad UTF-8)
# never reach either check, so they are left out.
@pytest.mark.parametrize(("kind", "path"), [
    pytest.param(kind, path, id=str(path.relative_to(REPO_ROOT)))
    for kind, path in data_files() if loadable(path) is not None
])
def test_schema_agrees_with_validator(kind, path):
    data = loadable(path)
    expected = KNOWN_DIFFERENCES.get(path.name)
    spec_paths = field_problems(kind, decode(path.read_bytes()))
    schema_paths = schema_errors(kind, data)
    if expected:
        assert (spec_paths, schema_paths) == expected
    else:
        assert schema_paths == spec_paths


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("leading_zero_in_number", ["ratings/author"]),
        ("missing_required_field", ["title"]),
        ("rating_out_of_range", ["ratings/author"]),
        ("unknown_field", ["complexty"]),
        ("wrong_enum", ["channel"]),
        ("yes_no_as_boolean", ["public"]),
    ],
)
def test_schema_rejects_broken_letter(name, errors):
    data = loads((FIXTURES / "letters" / f"{name}.yaml").read_text(encoding="utf-8"))
    assert schema_errors("letter", data) == errors


@pytest.mark.parametrize(
    "name",
    ["reply_before_receipt", "completion_before_receipt", "reply_from_unassigned_department",
     "link_to_missing_letter", "unknown_department", "letter_with_late_extension"],
)
def test_schema_misses_cross_file_problems(name):
    """Only `wenzheng validate` finds these, because they need other fields, other files or the calendar."""
    data = loads((FIXTURES / "letters" / f"{name}.yaml").read_text(encoding="utf-8"))
    assert schema_errors("letter", data) == []


def test_empty_optional_field_accepted():
    text = (FIXTURES / "letters" / "letter_in_provisional_year.yaml").read_text(encoding="utf-8")
    text += "completed_at:\nextension:\ncomplexity:\nratings:\n  author:\n"
    assert field_problems("letter", text) == []
    assert schema_errors("letter", loads(text)) == []


def test_empty_required_field_rejected():
    text = (FIXTURES / "letters" / "letter_in_provisional_year.yaml").read_text(encoding="utf-8")
    text = text.replace("title: 建议增加县图书馆开放时间", "title:")
    assert field_problems("letter", text) == ["title"]
    assert schema_errors("letter", loads(text)) == ["title"]


def test_blank_text_differs():
    """The validator strips spaces before checking that text is not empty; minLength counts them."""
    text = (FIXTURES / "letters" / "letter_in_provisional_year.yaml").read_text(encoding="utf-8")
    text = text.replace("author: 新年新气象", "author: '   '")
    assert field_problems("letter", text) == ["author"]
    assert schema_errors("letter", loads(text)) == []


def test_schema_describes_fields():
    letter = spec.json_schema("letter")
    assert letter["title"] == "Letter"
    assert letter["properties"]["received"]["description"].startswith("When the letter arrived")
    assert letter["properties"]["channel"]["enum"] == spec.CHANNELS
    assert letter["properties"]["complexity"]["enum"] == [*spec.COMPLEXITIES, None]


# Every policy field is documented


MEASURES = ("reminder", "admonition", "rectification")


def policy_fields(field=spec.POLICY, prefix: tuple = ()) -> list[tuple]:
    """Return the path of every field of the policy that holds a value (not a group of fields)."""
    if not isinstance(field, Map):
        return [prefix]
    return [path for name, child in field.fields.items() for path in policy_fields(child, (*prefix, name))]


FIELD_NAME = re.compile(r"`([a-z_<>]+(?:\.[a-z_<>]+)*)`")


def documented_paths() -> set[str]:
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted((REPO_ROOT / "docs").glob("*.md")))
    return set(FIELD_NAME.findall(text))


def commented_in_policy_file() -> set[str]:
    """Return the dotted paths whose key in data/policy.yaml has a comment on its line or just above it.

    The comment above must be indented like the key, and the file's first key
    does not count, since the file's header comment sits above it.
    """
    text = (REPO_ROOT / "data" / "policy.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    found = set()

    def walk(node, prefix):
        if not isinstance(node, yaml.MappingNode):
            return
        for key_node, value_node in node.value:
            path = (*prefix, key_node.value)
            line = key_node.start_mark.line
            above = lines[line - 1] if line > 0 else ""
            comment_above = above.strip().startswith("#") and above.index("#") == key_node.start_mark.column
            first_key = key_node is node.value[0][0] and not prefix
            if "#" in lines[line] or (comment_above and not first_key):
                found.add(".".join(path))
            walk(value_node, path)

    walk(yaml.compose(text), ())
    return found


def test_every_policy_field_documented():
    documented = documented_paths() | commented_in_policy_file()
    missing = []
    for path in policy_fields():
        dotted = ".".join(path)
        generic = ".".join("<measure>" if step in MEASURES and index == 1 else step
                           for index, step in enumerate(path))
        if dotted not in documented and generic not in documented:
            missing.append(dotted)
    assert missing == []


def test_policy_docs_name_only_real_fields():
    known = {".".join(path[:length]) for path in policy_fields() for length in range(1, len(path) + 1)}
    known |= {name.replace(f".{measure}", ".<measure>") for name in known for measure in MEASURES}
    text = (REPO_ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    named = set(FIELD_NAME.findall(text))
    policy_names = {name for name in named if "." in name and name.split(".")[0] in spec.POLICY.fields}
    assert sorted(policy_names - known) == []
    assert len(policy_names) > 30
