from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "driverhome.events"
    label = "events"
    verbose_name = _("Markets and training")

    def ready(self):
        from driverhome.stations import forecast

        from .forecasting import market_spans
        from .messaging import register_templates

        register_templates()
        forecast.register_event_source(market_spans)
