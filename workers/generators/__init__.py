from workers.generators.base import (
    SIZES,
    Aspect,
    GenerationRefused,
    Generator,
    GeneratorError,
    RenderRequest,
    RenderResult,
    TransientGeneratorError,
    build_generator,
)

__all__ = [
    "SIZES",
    "Aspect",
    "GenerationRefused",
    "Generator",
    "GeneratorError",
    "RenderRequest",
    "RenderResult",
    "TransientGeneratorError",
    "build_generator",
]
