from __future__ import annotations

import numpy as np
import pytest

from bolt_exec.algos.profiles import VolumeProfile, profile_from_bars, u_shaped_profile
from bolt_exec.errors import ValidationError

MIN = 60 * 10**9
DAY = 86_400 * 10**9


def test_profile_from_bars_recovers_the_intraday_shape():
    # Arrange: 5 days x 390 one-minute bars from 14:30 UTC; volume triple in the first 30 min
    days = np.arange(5)[:, None] * DAY + 19_000 * DAY
    m = np.arange(390)[None, :]
    ts = (days + (14 * 60 + 30) * MIN + (m + 1) * MIN).ravel()
    vol = np.where(m < 30, 3000.0, 1000.0) * (1 + np.arange(5)[:, None])  # heavier later days
    prof = profile_from_bars(ts, vol.ravel().astype(float))
    # Assert
    assert prof.session_open_ns == (14 * 60 + 30) * MIN
    w = np.array(prof.weights)
    assert len(w) == 390
    assert w[0] == pytest.approx(3 * w[100])
    assert w.sum() == pytest.approx(1.0)


def test_u_shape_is_symmetric_and_deeper_in_the_middle():
    w = np.array(u_shaped_profile(100, depth=0.5).weights)
    assert np.allclose(w, w[::-1])
    assert w[0] > w[50]
    assert w[50] == pytest.approx(0.5, abs=0.01)


def test_interval_weights_of_a_relative_profile_cover_the_horizon():
    prof = VolumeProfile((1.0, 3.0))
    w = prof.interval_weights([0, 50, 100], 0, 100)
    assert w == pytest.approx([0.25, 0.75])


@pytest.mark.parametrize("weights", [(), (-1.0, 2.0), (0.0, 0.0), (float("nan"),)])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValidationError):
        VolumeProfile(weights)


def test_profile_from_no_bars_is_refused():
    with pytest.raises(ValidationError, match="u_shaped_profile"):
        profile_from_bars(np.zeros(0, dtype=np.int64), np.zeros(0))
