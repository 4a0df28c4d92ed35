"""Property tests (hypothesis): short in ``make test``, long in ``make fuzz``. No deadline per example:
these machines are shared and noisy; time limits are asserted by the tests on what they measure."""

from hypothesis import HealthCheck, settings

settings.register_profile("site_builder", deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("site_builder")
