from .paths import openapi_document

__all__ = ["openapi_document"]
