"""The deterministic, seeded generator of the bundled synthetic data (`lsdi sample`)."""
