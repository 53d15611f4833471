"""driverhome: the open platform that runs a network of Driver's Homes (司机之家)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("driverhome")  # the one definition: pyproject.toml's version
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
