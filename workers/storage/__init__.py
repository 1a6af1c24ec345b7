from workers.storage.base import InvalidKey, Storage, StoredObject, build_storage, storage_for, validate_key

__all__ = ["InvalidKey", "Storage", "StoredObject", "build_storage", "storage_for", "validate_key"]
