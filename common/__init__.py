"""Code both services share: the one error shape."""
