"""The gateway's request and response models and their proto mappers, a module per
resource; routes import from here, never from another route."""
