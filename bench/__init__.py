"""i2ibench: train, translate, score and compare image-to-image translation methods."""

__version__ = "0.1.0"
