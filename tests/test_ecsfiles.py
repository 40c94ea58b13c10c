"""~/.ecs/config and ~/.ecs/credentials: reading the real ecs-cli's files, validation rules, backups."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passecs.core.errors import InvalidInput
from passecs.files import ecs as ecsfiles
from passecs.files.ecs import Finding, validate_config_text, validate_credentials_text
from tests.conftest import ACCESS_KEY, RECORDINGS, ROOT, SECRET_KEY, SESSION_TOKEN

FIXTURES = ROOT / "fixtures" / "ecsfiles"


def _rec(name: str) -> str:
    return (RECORDINGS / f"{name}.out").read_text(encoding="utf-8")


def _after_first_line(name: str) -> str:
    """The file part of a recording whose first line is ecs-cli's log line (`... && cat FILE`)."""
    return "".join(_rec(name).splitlines(keepends=True)[1:])


REG = "use a region name like us-east-1"
REDO_CLUSTER = "run 'passecs configure cluster pass --cluster CLUSTER --region REGION --yes'"
REDO_PROFILE = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and run 'passecs configure profile pass --yes'"

# fixture -> the one finding expected (formatted)
EXPECTED: dict[str, str] = {
    "config/yaml-syntax.yml": "~/.ecs/config:6: YAML syntax error at line 6, column 12: mapping values are not "
    "allowed here (fix: correct the YAML at that place (indent with spaces; 'key: value'))",
    "config/duplicate-key.yml": "~/.ecs/config:8: clusters.pass: key given twice (first at line 4); only the last "
    "one counts (fix: remove one of them)",
    "config/legacy-ini.ini": "~/.ecs/config:1: legacy INI format: ecs-cli reads it for compatibility, but "
    "'ecs-cli configure' silently replaces it and passecs will not change it (fix: run 'ecs-cli configure "
    "migrate' to convert it to the YAML format)",
    "config/no-version.yml": "~/.ecs/config:1: version: no version: 'ecs-cli configure migrate' would take this "
    "file for the legacy format (fix: add 'version: v1' as the first line)",
    "config/default-unknown.yml": '~/.ecs/config:2: default: "passprod" names no cluster configuration '
    "(defined: pass) (fix: run 'passecs configure default pass')",
    "config/empty-cluster.yml": "~/.ecs/config:5: clusters.pass.cluster: no cluster (fix: set 'cluster: ...' or "
    f"{REDO_CLUSTER})",
    "config/no-region.yml": f"~/.ecs/config:4: clusters.pass.region: no region (fix: set 'region: ...' or "
    f"{REDO_CLUSTER})",
    "config/bad-region.yml": f'~/.ecs/config:6: clusters.pass.region: "us-east1" is not an AWS region (fix: {REG})',
    "config/lowercase-launch-type.yml": '~/.ecs/config:7: clusters.pass.default_launch_type: "fargate" is not a '
    "launch type (\"\", EC2 or FARGATE, exactly) (fix: write 'FARGATE' (ecs-cli only accepts upper case))",
    "config/unknown-key.yml": "~/.ecs/config:7: clusters.pass.default-launch-type: warning: unknown key: ecs-cli "
    "ignores it (fix: rename it to default_launch_type)",
    "credentials/yaml-syntax.yml": "~/.ecs/credentials:7: YAML syntax error at line 7, column 1: while scanning a "
    "quoted scalar: found unexpected end of stream (fix: correct the YAML at that place (indent with spaces; "
    "'key: value'))",
    "credentials/duplicate-key.yml": "~/.ecs/credentials:7: ecs_profiles.pass.aws_access_key_id: key given twice "
    "(first at line 5); only the last one counts (fix: remove one of them)",
    "credentials/legacy-ini.ini": "~/.ecs/credentials:1: INI format (like ~/.aws/credentials), not ecs-cli's YAML "
    "profiles file (fix: move it away and run 'passecs configure profile NAME' to write it again)",
    "credentials/no-version.yml": "~/.ecs/credentials:1: version: no version: ecs-cli always writes one, so this "
    "file was not written by ecs-cli (fix: add 'version: v1' as the first line)",
    "credentials/default-unknown.yml": '~/.ecs/credentials:2: default: "prod" names no profile (defined: pass) '
    "(fix: run 'passecs configure profile pass --default')",
    "credentials/no-secret-key.yml": "~/.ecs/credentials:4: ecs_profiles.pass.aws_secret_access_key: no "
    f"aws_secret_access_key (fix: {REDO_PROFILE})",
    "credentials/no-access-key.yml": "~/.ecs/credentials:4: ecs_profiles.pass.aws_access_key_id: no "
    f"aws_access_key_id (fix: {REDO_PROFILE})",
    "credentials/temporary-key-without-token.yml": "~/.ecs/credentials:5: ecs_profiles.pass.aws_access_key_id: "
    "warning: ****************MPLE is a temporary key (ASIA...) but there is no aws_session_token: AWS will "
    "reject it (fix: set AWS_SESSION_TOKEN too and run 'passecs configure profile pass --yes')",
    "credentials/group-readable.yml": "~/.ecs/credentials: readable by group or others (mode 0644): it holds "
    "secret keys (fix: chmod 600 ~/.ecs/credentials)",
}


def _validate_fixture(relative: str, tmp_home: Path) -> list[Finding]:
    """Validate a fixture as the real file in a private ~/.ecs (so the mode check applies as well)."""
    kind = relative.split("/", maxsplit=1)[0]
    ecs = tmp_home / ".ecs"
    ecs.mkdir(parents=True, exist_ok=True)
    target = ecs / kind
    target.write_bytes((FIXTURES / relative).read_bytes())
    target.chmod(0o644 if "group-readable" in relative else 0o600)
    return [f for f in ecsfiles.validate_ecs_dir(ecs, tmp_home) if f.message != "does not exist"]


def test_every_fixture_has_an_expected_finding() -> None:
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/*") if p.name != "valid.yml"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_fixture_gives_exactly_its_finding(relative: str, tmp_path: Path) -> None:
    findings = _validate_fixture(relative, tmp_path)
    assert [f.format() for f in findings] == [EXPECTED[relative]]
    expected_severity = "warning" if ": warning: " in EXPECTED[relative] else "error"
    assert findings[0].severity == expected_severity


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_no_finding_shows_a_secret(relative: str, tmp_path: Path) -> None:
    findings = _validate_fixture(relative, tmp_path)
    text = "\n".join(f.format() + repr(f.to_dict()) for f in findings)
    assert SECRET_KEY not in text
    assert "otherSecretKey" not in text


@pytest.mark.parametrize("kind", ["config", "credentials"])
def test_valid_fixtures_have_no_findings(kind: str, tmp_path: Path) -> None:
    assert _validate_fixture(f"{kind}/valid.yml", tmp_path) == []


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("13-cat-config", _rec("13-cat-config")),
        ("14-configure-cluster-pass-again", _after_first_line("14-configure-cluster-pass-again")),
        ("20-configure-missing-config-name", _after_first_line("20-configure-missing-config-name")),
        ("22-cat-config-after-errors", _rec("22-cat-config-after-errors")),
        ("97-cat-config-final", _rec("97-cat-config-final").split("---\n")[0]),
    ],
)
def test_configs_the_real_ecs_cli_wrote_are_valid(name: str, text: str) -> None:
    assert validate_config_text(text) == [], name


@pytest.mark.parametrize(
    "text",
    [
        _rec("03-cat-credentials"),
        _after_first_line("05-configure-profile-overwrite-other-key"),
        _after_first_line("08b-configure-profile-secret-from-env"),
        _rec("97-cat-config-final").split("---\n")[1],
    ],
)
def test_credentials_the_real_ecs_cli_wrote_are_valid(text: str) -> None:
    assert validate_credentials_text(text, mode=0o100600) == []


def test_read_cluster_configurations_of_recording(tmp_path: Path) -> None:
    (tmp_path / "config").write_text(_after_first_line("20-configure-missing-config-name"))
    configs = ecsfiles.read_cluster_configurations(tmp_path)
    assert configs.default == "passdev"
    assert configs.version == "v1"
    assert sorted(configs.clusters) == ["default", "pass", "passdev"]
    assert configs.get(None) == ecsfiles.ClusterConfiguration("passdev", "passdev", "us-east-1", "FARGATE")
    assert configs.get("pass") == ecsfiles.ClusterConfiguration("pass", "pass", "us-east-1", "FARGATE")


def test_read_profiles_has_no_secret(tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text(_after_first_line("08b-configure-profile-secret-from-env"))
    profiles = ecsfiles.read_profiles(tmp_path)
    assert profiles.default == "pass"
    assert sorted(profiles.profiles) == ["pass", "pass2"]
    pass_ = profiles.profiles["pass"]
    assert pass_.access_key_id == ACCESS_KEY
    assert pass_.has_secret_access_key and not pass_.has_session_token
    assert pass_.masked_access_key_id == "****************MPLE"
    assert pass_.fingerprint == ecsfiles.key_fingerprint(SECRET_KEY)
    assert SECRET_KEY not in repr(profiles)


def test_read_credentials_error_never_echoes_the_secret(tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text(
        f"version: v1\necs_profiles:\n  p:\n    aws_secret_access_key: '{SECRET_KEY}\n"
    )
    with pytest.raises(InvalidInput) as caught:
        ecsfiles.read_profiles(tmp_path)
    assert "line" in caught.value.message
    assert SECRET_KEY not in caught.value.message


def test_legacy_ini_config_is_refused_with_migrate(tmp_path: Path) -> None:
    (tmp_path / "config").write_bytes((FIXTURES / "config/legacy-ini.ini").read_bytes())
    with pytest.raises(InvalidInput) as caught:
        ecsfiles.read_cluster_configurations(tmp_path)
    assert "INI" in caught.value.message
    assert caught.value.fix == "run 'ecs-cli configure migrate'"


def test_missing_files_are_warnings(tmp_path: Path) -> None:
    findings = ecsfiles.validate_ecs_dir(tmp_path / ".ecs", tmp_path)
    assert [(f.file, f.severity, f.message) for f in findings] == [
        ("~/.ecs/config", "warning", "does not exist"),
        ("~/.ecs/credentials", "warning", "does not exist"),
    ]


@pytest.mark.parametrize(("mode", "bad"), [(0o600, False), (0o400, False), (0o640, True), (0o604, True)])
def test_credentials_mode(mode: int, bad: bool) -> None:
    findings = validate_credentials_text(_rec("03-cat-credentials"), mode=stat.S_IFREG | mode)
    assert [f.fix for f in findings] == (["chmod 600 ~/.ecs/credentials"] if bad else [])


@pytest.mark.parametrize(
    ("region", "ok"),
    [
        ("us-east-1", True),
        ("eu-west-2", True),
        ("us-gov-west-1", True),
        ("ap-southeast-2", True),
        ("cn-north-1", True),
        ("us-east1", False),
        ("US-EAST-1", False),
        ("useast-1", False),
        ("us-east-1 ", False),
        ("", False),
    ],
)
def test_region_shape(region: str, ok: bool) -> None:
    assert ecsfiles.is_aws_region(region) is ok


@pytest.mark.parametrize(
    ("value", "masked"),
    [(ACCESS_KEY, "****************MPLE"), ("ABCD", "****"), ("", ""), ("ABCDE", "*BCDE")],
)
def test_mask_access_key_id(value: str, masked: str) -> None:
    assert ecsfiles.mask_access_key_id(value) == masked


def test_duplicate_keys_at_every_level_have_their_line() -> None:
    text = (
        "version: v1\nversion: v1\ndefault: a\nclusters:\n  a:\n    cluster: a\n    cluster: b\n    region: us-east-1\n"
    )
    text += "    default_launch_type: FARGATE\n"
    findings = [f for f in validate_config_text(text) if "twice" in f.message]
    assert [(f.key, f.line) for f in findings] == [("version", 2), ("clusters.a.cluster", 7)]


def test_duplicate_entry_findings_point_at_the_last_one() -> None:
    text = _rec("13-cat-config") + "  pass:\n    cluster: pass\n    region: nowhere\n    default_launch_type: EC2\n"
    findings = validate_config_text(text)
    assert [(f.key, f.line) for f in findings] == [("clusters.pass", 12), ("clusters.pass.region", 14)]


def test_session_token_and_asia_key_is_clean() -> None:
    text = (
        "version: v1\ndefault: t\necs_profiles:\n  t:\n    aws_access_key_id: ASIAIOSFODNN7EXAMPLE\n"
        f"    aws_secret_access_key: {SECRET_KEY}\n    aws_session_token: {SESSION_TOKEN}\n"
    )
    assert validate_credentials_text(text, mode=0o100600) == []


def test_credentials_without_default_is_an_error() -> None:
    text = _rec("03-cat-credentials").replace("default: pass\n", "")
    (finding,) = validate_credentials_text(text)
    assert (finding.key, finding.severity) == ("default", "error")


def test_config_without_default_is_a_warning() -> None:
    text = _rec("13-cat-config").replace("default: passdev\n", "")
    (finding,) = validate_config_text(text)
    assert (finding.key, finding.severity) == ("default", "warning")


def test_secret_in_a_broken_line_is_not_echoed() -> None:
    texts = [
        f"version: v1\necs_profiles:\n  p:\n    aws_secret_access_key: {SECRET_KEY}: x\n",
        f"version: v1\necs_profiles:\n  p:\n    aws_secret_access_key: !!{SECRET_KEY} x\n",
        f"version: v1\necs_profiles:\n  p:\n    aws_secret_access_key: *{SECRET_KEY}\n",
        f"version: v1\necs_profiles:\n  p: [\n    '{SECRET_KEY}'\n",
        f"version: v1\necs_profiles:\n  {SECRET_KEY[:20]}:\n    aws_secret_access_key: x\n  \t{SECRET_KEY}\n",
    ]
    for text in texts:
        findings = validate_credentials_text(text)
        assert findings, text
        shown = "\n".join(f.format() for f in findings)
        assert SECRET_KEY not in shown
        assert SECRET_KEY[:20] not in shown.replace("ecs_profiles." + SECRET_KEY[:20], "")


# --------------------------------------------------------------------------------------------------
# Backups


def test_backup_copies_with_mode_0600_and_keeps_ten(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text("one\n")
    path.chmod(0o644)
    start = datetime(2026, 11, 26, 6, 1, 2, tzinfo=timezone.utc)
    made = [ecsfiles.backup(path, now=start + timedelta(seconds=i)) for i in range(12)]
    assert made[0] is not None and made[0].name == "credentials.bak.20261126T060102Z"
    remaining = ecsfiles.backups(path)
    assert len(remaining) == 10
    assert remaining == made[2:]
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in remaining)
    assert remaining[-1].read_text() == "one\n"


def test_backup_in_the_same_second_does_not_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "config"
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    path.write_text("a\n")
    first = ecsfiles.backup(path, now=now)
    path.write_text("b\n")
    second = ecsfiles.backup(path, now=now)
    assert first is not None and second is not None and first != second
    assert (first.read_text(), second.read_text()) == ("a\n", "b\n")
    assert ecsfiles.backups(path) == [first, second]


def test_backup_of_a_missing_file_is_none(tmp_path: Path) -> None:
    assert ecsfiles.backup(tmp_path / "config") is None


# --------------------------------------------------------------------------------------------------
# Never anything but findings


_yamlish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)


def _render(value: object, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{k}: {_render(v, indent + 1)}" for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n" + "\n".join(f"{pad}- {_render(v, indent + 1)}" for v in value)
    return str(value)


def _check_findings(findings: object) -> None:
    assert isinstance(findings, list)
    for f in findings:
        assert isinstance(f, Finding)
        assert f.severity in ("error", "warning")
        assert isinstance(f.format(), str)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_gives_findings(text: str) -> None:
    _check_findings(validate_config_text(text))
    _check_findings(validate_credentials_text(text, mode=0o100644))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yamlish, st.sampled_from(["", "version: v1\n", "version: v1\ndefault: pass\n"]))
def test_arbitrary_yamlish_documents_give_findings(value: object, head: str) -> None:
    body = _render(value).lstrip("\n")
    for text in (head + body, head + "clusters:" + _render(value, 1), head + "ecs_profiles:" + _render(value, 1)):
        _check_findings(validate_config_text(text))
        _check_findings(validate_credentials_text(text))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.dictionaries(
            st.sampled_from(
                ["cluster", "region", "default_launch_type", "aws_access_key_id", "aws_secret_access_key", "x"]
            ),
            st.none() | st.integers() | st.text(max_size=20) | st.lists(st.integers(), max_size=2),
            max_size=5,
        ),
        max_size=4,
    )
)
def test_structured_entries_give_findings(entries: dict[str, dict[str, object]]) -> None:
    import yaml

    for section in ("clusters", "ecs_profiles"):
        text = yaml.safe_dump({"version": "v1", "default": "a", section: entries})
        _check_findings(validate_config_text(text))
        _check_findings(validate_credentials_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [*a]\n",  # a recursive alias
        "a: 2020-02-30\n",  # a timestamp that is no date
        "[" * 5000,  # deep nesting
        "? [a, b]\n: c\n",  # an unhashable key
        "a: !!python/object:os.system x\n",  # an unsafe tag
        "--- a\n--- b\n",  # two documents
        "\x00\x01",  # control characters
        "a: b\n\tc: d\n",  # a tab
        "x: &x {a: *x}\nclusters: *x\n",
    ],
)
def test_hostile_documents_give_findings(text: str) -> None:
    _check_findings(validate_config_text(text))
    _check_findings(validate_credentials_text(text))
