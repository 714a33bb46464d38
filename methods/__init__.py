"""Translation methods: one module each; every Method subclass defined here is registered by name."""
