"""driverhome: the open platform that runs a network of Driver's Homes (司机之家)."""

__version__ = "0.1.0"
