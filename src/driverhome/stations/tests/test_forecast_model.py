"""The forecast model: profile, fading deviation, calendar and market effects, the interval."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from driverhome.core.synth import availability
from driverhome.stations.forecast import backtest
from driverhome.stations.forecast.model import MIN_DAYS, Events, Local, day_kind, fit

# Working days and holiday names come from the calendar table (the holidays app).
pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Ningbo, a Friday


def _local(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _series(days, value, *, start=None, every=20):
    """Reports every ``every`` minutes from ``value(local datetime)``."""
    start = start or END - timedelta(days=days)
    out, at = [], start
    while at < END:
        out.append((at, float(value(at.astimezone(TZ)))))
        at += timedelta(minutes=every)
    return out


def test_a_day_is_a_weekday_a_make_up_day_a_rest_day_or_a_named_holiday():
    assert day_kind(datetime(2026, 11, 18).date()) == ("2", "work")
    assert day_kind(datetime(2026, 11, 22).date()) == ("6", "rest")
    assert day_kind(datetime(2026, 10, 2).date()) == ("h:National Day", "holiday")
    assert day_kind(datetime(2026, 2, 18).date()) == ("h:Spring Festival", "holiday")
    # Sunday 28 September 2025 was a make-up working day before National Day.
    assert day_kind(datetime(2025, 9, 28).date()) == ("makeup", "work")


def test_the_profile_learns_the_night_peak():
    history = _series(30, lambda t: 20 if t.hour >= 20 or t.hour < 5 else 80)
    model = fit(history, capacity=100, tz=TZ, events=Events(), until=END)
    local = Local(TZ)
    day = END.astimezone(TZ).date()
    assert model.profile_at(_local(day, 23), local) == pytest.approx(20, abs=1)
    assert model.profile_at(_local(day, 12), local) == pytest.approx(80, abs=1)


def test_weekends_get_their_own_profile():
    history = _series(42, lambda t: 70 if t.weekday() >= 5 else 30)
    model = fit(history, capacity=100, tz=TZ, events=Events(), until=END)
    local = Local(TZ)
    saturday = _local(datetime(2026, 11, 21).date(), 12)
    wednesday = _local(datetime(2026, 11, 18).date(), 12)
    assert model.profile_at(saturday, local) == pytest.approx(70, abs=2)
    assert model.profile_at(wednesday, local) == pytest.approx(30, abs=2)


def test_a_holiday_is_forecast_from_last_years_holiday_not_from_a_weekday():
    """National Day empties the park: its profile comes from last year's, across the gap."""
    start = datetime(2025, 9, 1, tzinfo=UTC)

    def value(t):
        return 95 if day_kind(t.date())[1] == "holiday" else 40

    history = [
        (at, v)
        for at, v in _series(0, value, start=start)
        if at < datetime(2025, 10, 20, tzinfo=UTC) or at >= datetime(2026, 8, 1, tzinfo=UTC)
    ]
    until = datetime(2026, 9, 30, tzinfo=UTC)
    model = fit(history, capacity=100, tz=TZ, events=Events(), until=until)
    local = Local(TZ)
    national_day = _local(datetime(2026, 10, 2).date(), 12)
    workday = _local(datetime(2026, 9, 29).date(), 12)
    assert model.profile_at(national_day, local) == pytest.approx(95, abs=2)
    assert model.profile_at(workday, local) == pytest.approx(40, abs=2)


def test_a_market_lowers_the_free_places_while_it_runs():
    markets = [
        (_local(d, 9), _local(d, 12))
        for d in availability.market_days(datetime(2026, 8, 1).date(), END.date())
    ]
    events = Events(markets)

    def value(t):
        return 30 if events.active(t.astimezone(UTC), 1) else 80

    history = _series(100, value)
    model = fit(history, capacity=100, tz=TZ, events=events, until=END)
    assert model.event_effect < -30
    next_market = (
        _local(datetime(2026, 11, 28).date(), 10),
        _local(datetime(2026, 11, 28).date(), 11),
    )
    future = Events([*markets, next_market])
    inside, outside = model.predict(
        [next_market[0], next_market[0] - timedelta(hours=3)],
        local=Local(TZ),
        events=future,
        last_at=None,
        last_value=None,
    )
    assert inside[0] < 45 < outside[0]


def test_the_deviation_fades_with_the_horizon():
    rng = random.Random(4)
    markets = []
    history = availability.history(
        rng, truck_bays=200, beds=0, start=END - timedelta(days=60), end=END, tz=TZ, markets=markets
    )
    series = [(at, t) for at, t, _b in history]
    model = fit(series, capacity=200, tz=TZ, events=Events(), until=END)
    assert model.beta[0] == 1
    assert all(a >= b for a, b in zip(model.beta, model.beta[1:], strict=False))
    assert model.beta[2] > 0.5 > model.beta[-1]
    local = Local(TZ)
    now = END
    profile_now = model.profile_at(now, local)
    # A park 60 places emptier than usual now: soon still emptier, in 12 hours as usual.
    soon, late = model.predict(
        [now + timedelta(minutes=30), now + timedelta(hours=12)],
        local=local,
        events=Events(),
        last_at=now,
        last_value=min(200, profile_now + 60),
    )
    profile_soon = model.profile_at(now + timedelta(minutes=30), local)
    profile_late = model.profile_at(now + timedelta(hours=12), local)
    assert soon[0] - profile_soon > 30
    assert abs(late[0] - profile_late) < 15


def test_an_old_report_leaves_the_forecast_on_the_profile():
    rng = random.Random(5)
    history = availability.history(
        rng, truck_bays=100, beds=0, start=END - timedelta(days=30), end=END, tz=TZ
    )
    model = fit([(at, t) for at, t, _b in history], capacity=100, tz=TZ, events=Events(), until=END)
    local = Local(TZ)
    target = END + timedelta(minutes=30)
    usual = model.profile_at(target, local)
    report = min(100, model.profile_at(END, local) + 35)
    (fresh,) = model.predict([target], local=local, events=Events(), last_at=END, last_value=report)
    (stale,) = model.predict(
        [target], local=local, events=Events(), last_at=END - timedelta(hours=20), last_value=report
    )
    assert fresh[0] - usual > 15
    assert abs(stale[0] - usual) <= 1


def test_too_little_history_gives_no_model():
    history = _series(MIN_DAYS - 2, lambda t: 50)
    assert fit(history, capacity=100, tz=TZ, events=Events(), until=END) is None


def test_forecasts_stay_within_capacity_and_the_interval_holds_the_expected_value():
    rng = random.Random(9)
    history = availability.history(
        rng, truck_bays=60, beds=0, start=END - timedelta(days=40), end=END, tz=TZ
    )
    series = [(at, t) for at, t, _b in history]
    model = fit(series, capacity=60, tz=TZ, events=Events(), until=END)
    targets = [END + timedelta(minutes=30 * i) for i in range(1, 25)]
    for expected, low, high in model.predict(
        targets, local=Local(TZ), events=Events(), last_at=END, last_value=0
    ):
        assert 0 <= low <= expected <= high <= 60


def test_the_backtest_beats_both_baselines_and_the_interval_covers_about_eight_in_ten():
    rng = random.Random(11)
    start = END - timedelta(days=70)
    markets = availability.market_spans(availability.market_days(start.date(), END.date()), TZ)
    history = availability.history(
        rng, truck_bays=200, beds=0, start=start, end=END, tz=TZ, markets=markets
    )
    errors = backtest.run(
        [(at, t) for at, t, _b in history], capacity=200, tz=TZ, events=Events(markets), weeks=3
    )
    rows = {row["horizon"]: row for row in errors.rows()}
    assert set(rows) == set(backtest.HORIZONS)
    for horizon in (60, 120, 240, 480):
        row = rows[horizon]
        assert row["model_mae"] < min(row["persistence_mae"], row["seasonal_mae"])
        assert 0.6 <= row["coverage"] <= 0.97
