"""Settings and URLs of the benchmark environment: the platform plus the peer products it is measured against."""
