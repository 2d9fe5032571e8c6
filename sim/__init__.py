"""parksim: discrete-event simulation of industrial park recovery after an epidemic lockdown."""

__version__ = "0.1.0"
