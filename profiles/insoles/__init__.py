"""insoles profiles (TOML data files)."""
