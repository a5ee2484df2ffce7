"""How the idp asks the notifier to deliver codes and security notices (over HTTP, never imports it)."""
