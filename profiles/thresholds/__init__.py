"""thresholds profiles (TOML data files)."""
