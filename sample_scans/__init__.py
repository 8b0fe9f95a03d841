"""Sample recordings made with the foot model, with golden results.

Installed as ``orthofit.sample_scans``; ``make_samples`` regenerates them.
"""
