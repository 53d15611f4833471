"""Local fakes of the outside services' documented HTTP APIs (SMS providers, the WeChat
service account, an OpenID Connect provider), served on 127.0.0.1 by the tests and by
``driverhome fakes`` for ``make run``. Nothing in the product imports this package."""
