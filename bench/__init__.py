"""The benchmark suite (``make bench``): harness, runner, load test and the peer products' setup."""
