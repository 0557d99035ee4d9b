"""Python values <-> google.protobuf.Value (JSON-like data)."""

from google.protobuf import struct_pb2

# Numbers travel as doubles; integral ones come back as int, as JSON would.
_MAX_EXACT_INTEGER = 2**53


def to_value(obj):
    """Converts None, bool, int, float, str, list/tuple and dict (str keys)."""
    value = struct_pb2.Value()
    if obj is None:
        value.null_value = struct_pb2.NULL_VALUE
    elif isinstance(obj, bool):
        value.bool_value = obj
    elif isinstance(obj, (int, float)):
        value.number_value = obj
    elif isinstance(obj, str):
        value.string_value = obj
    elif isinstance(obj, (list, tuple)):
        value.list_value.CopyFrom(to_list_value(obj))
    elif isinstance(obj, dict):
        value.struct_value.CopyFrom(to_struct(obj))
    else:
        raise TypeError(
            f"cannot send {type(obj).__name__} to execd; use JSON-like data "
            "(None, bool, int, float, str, list, dict)")
    return value


def to_list_value(items):
    list_value = struct_pb2.ListValue()
    for item in items:
        list_value.values.append(to_value(item))
    return list_value


def to_struct(mapping):
    struct = struct_pb2.Struct()
    for key, item in mapping.items():
        if not isinstance(key, str):
            raise TypeError(f"keyword names must be str, got {key!r}")
        struct.fields[key].CopyFrom(to_value(item))
    return struct


def from_value(value):
    kind = value.WhichOneof("kind")
    if kind is None or kind == "null_value":
        return None
    if kind == "number_value":
        number = value.number_value
        if number.is_integer() and abs(number) < _MAX_EXACT_INTEGER:
            return int(number)
        return number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [from_value(item) for item in value.list_value.values]
    return {key: from_value(item)
            for key, item in value.struct_value.fields.items()}
