"""Mat drivers: codecs (bytes to frames), transports, discovery and the emulator.

Installed as ``orthofit.drivers`` (the ``drivers/`` folder of the checkout). The codecs, the
transports and the emulator arrive with the drivers issue; this package already resolves from an
installed wheel so profiles and drivers share one import namespace.
"""
