"""mats profiles (TOML data files)."""
