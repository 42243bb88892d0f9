"""Date-versioned reference configuration: the version in force on a trade date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pydantic
import pytest

from bolt_exec.compliance.reference import Versioned, load_yaml_model
from bolt_exec.errors import ConfigError

Caps = Versioned[int]


def _caps() -> Versioned[int]:
    return Caps.model_validate(
        [
            {"valid_from": "2018-01-03", "value": 1},
            {"valid_from": "2023-12-04", "valid_to": "2025-01-01", "value": 2},
            {"valid_from": "2025-06-01", "value": 3},
        ]
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2018, 1, 3), 1),
        (date(2023, 12, 3), 1),
        (date(2023, 12, 4), 2),
        (date(2024, 12, 31), 2),
        (date(2025, 6, 1), 3),
        (date(2040, 1, 1), 3),
    ],
)
def test_versioned_on_picks_version_in_force(day: date, expected: int) -> None:
    assert _caps().on(day) == expected


@pytest.mark.parametrize("day", [date(2018, 1, 2), date(2025, 1, 1), date(2025, 5, 31)])
def test_versioned_on_gap_or_before_first_raises(day: date) -> None:
    with pytest.raises(ConfigError, match=day.isoformat()):
        _caps().on(day)


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ([], "at least one"),
        (
            [
                {"valid_from": "2020-01-01", "valid_to": "2021-01-01", "value": 1},
                {"valid_from": "2020-06-01", "value": 2},
            ],
            "overlap",
        ),
        (
            [{"valid_from": "2020-01-01", "value": 1}, {"valid_from": "2020-01-01", "value": 2}],
            "overlap",
        ),
        (
            [{"valid_from": "2021-01-01", "value": 1}, {"valid_from": "2020-01-01", "value": 2}],
            "valid_from order",
        ),
        ([{"valid_from": "2021-01-01", "valid_to": "2021-01-01", "value": 1}], "not after"),
        ([{"valid_from": "2021-01-01", "value": 1, "colour": "red"}], "Extra inputs"),
    ],
)
def test_versioned_rejects_bad_version_lists(
    versions: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        Caps.model_validate(versions)


class _File(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    caps: Versioned[int]


def test_load_yaml_model_error_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "caps.yaml"
    path.write_text("caps:\n  - valid_from: 2020-01-01\n    value: not-a-number\n")

    with pytest.raises(ConfigError, match=r"caps\.yaml.*caps\.0\.value"):
        load_yaml_model(_File, path)


def test_load_yaml_model_missing_file_is_config_error() -> None:
    with pytest.raises(ConfigError, match=r"no-such-file\.yaml"):
        load_yaml_model(_File, "no-such-file.yaml")
