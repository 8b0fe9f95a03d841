"""Data profiles (TOML): ``mats/``, ``insoles/``, ``thresholds/``.

Installed as ``orthofit.profiles``.
"""
