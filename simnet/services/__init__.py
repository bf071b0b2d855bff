"""The road to the coordination server: DNS, nginx, TLS certificates, ufw and
the small HTTP world (`curl`, DuckDNS, Let's Encrypt) around Headscale.

Everything a lab needs lives in one :class:`simnet.services.road.Road` that
the lab owns (``road_of(lab)``); no module keeps state of its own.
"""
