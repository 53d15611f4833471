"""The providers' fakes live in :mod:`driverhome.fakes.sms` (``driverhome fakes`` serves them
for ``make run`` too)."""

from driverhome.fakes.sms import FakeAliyun, FakeProvider, FakeTencent

__all__ = ["FakeAliyun", "FakeProvider", "FakeTencent"]
