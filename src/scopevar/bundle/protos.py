"""TensorFlow's checkpoint protos, built at runtime with the ``protobuf`` package (no protoc).

The messages have TF's exact names, field numbers and types (``tensor_bundle.proto``,
``tensor_shape.proto``, ``tensor_slice.proto``, ``versions.proto``, ``types.proto``,
``checkpoint_state.proto``, ``trackable_object_graph.proto``), so they serialize byte for byte
as TF does.  (``TrackableObject``'s ``registered_saver`` and ``has_checkpoint_values``, fields
4 and 5, are left out: parsing keeps them as unknown fields.)  They live in a
private descriptor pool: importing TensorFlow in the same process does not clash with them.

>>> BundleEntryProto(dtype=DataType.Value("DT_FLOAT"), size=8).SerializeToString()
b'\\x08\\x01(\\x08'
"""
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

FORMAT_VERSION = 1     # kTensorBundleVersion: what TF writes in the header, and reads

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {"int32": _F.TYPE_INT32, "int64": _F.TYPE_INT64, "fixed32": _F.TYPE_FIXED32,
            "bool": _F.TYPE_BOOL, "double": _F.TYPE_DOUBLE, "string": _F.TYPE_STRING}
_ENUMS = {"DataType", "BundleHeaderProto.Endianness"}

_DATA_TYPES = (
    "DT_INVALID DT_FLOAT DT_DOUBLE DT_INT32 DT_UINT8 DT_INT16 DT_INT8 DT_STRING DT_COMPLEX64 "
    "DT_INT64 DT_BOOL DT_QINT8 DT_QUINT8 DT_QINT32 DT_BFLOAT16 DT_QINT16 DT_QUINT16 DT_UINT16 "
    "DT_COMPLEX128 DT_HALF DT_RESOURCE DT_VARIANT DT_UINT32 DT_UINT64 DT_FLOAT8_E5M2 "
    "DT_FLOAT8_E4M3FN DT_FLOAT8_E4M3FNUZ DT_FLOAT8_E4M3B11FNUZ DT_FLOAT8_E5M2FNUZ DT_INT4 "
    "DT_UINT4 DT_INT2 DT_UINT2 DT_FLOAT4_E2M1FN").split()          # values 0, 1, 2, ...


def _enum(name, names):
    return descriptor_pb2.EnumDescriptorProto(name=name, value=[
        descriptor_pb2.EnumValueDescriptorProto(name=n, number=i) for i, n in enumerate(names)])


def _message(name, *fields, nested=(), enums=()):
    """A message from .proto-like field lines: ``"repeated int32 bad_consumers = 3"``;
    ``"oneof has_length int64 length = 2"`` puts the field in a oneof."""
    message = descriptor_pb2.DescriptorProto(name=name, nested_type=nested, enum_type=enums)
    for line in fields:
        *words, kind, field_name, _, number = line.split()
        field = message.field.add(name=field_name, number=int(number), label=_F.LABEL_OPTIONAL)
        if words[:1] == ["repeated"]:
            field.label = _F.LABEL_REPEATED
        elif words[:1] == ["oneof"]:
            field.oneof_index = len(message.oneof_decl)
            message.oneof_decl.add(name=words[1])
        if kind in _SCALARS:
            field.type = _SCALARS[kind]
        else:
            field.type = _F.TYPE_ENUM if kind in _ENUMS else _F.TYPE_MESSAGE
            field.type_name = ".tensorflow." + kind
    return message


_FILE = descriptor_pb2.FileDescriptorProto(
    name="scopevar/bundle/tensor_bundle.proto", package="tensorflow", syntax="proto3",
    enum_type=[_enum("DataType", _DATA_TYPES)],
    message_type=[
        _message("VersionDef", "int32 producer = 1", "int32 min_consumer = 2",
                 "repeated int32 bad_consumers = 3"),
        _message("TensorShapeProto", "repeated TensorShapeProto.Dim dim = 2",
                 "bool unknown_rank = 3",
                 nested=[_message("Dim", "int64 size = 1", "string name = 2")]),
        _message("TensorSliceProto", "repeated TensorSliceProto.Extent extent = 1",
                 nested=[_message("Extent", "int64 start = 1", "oneof has_length int64 length = 2")]),
        _message("BundleHeaderProto", "int32 num_shards = 1",
                 "BundleHeaderProto.Endianness endianness = 2", "VersionDef version = 3",
                 enums=[_enum("Endianness", ["LITTLE", "BIG"])]),
        _message("BundleEntryProto", "DataType dtype = 1", "TensorShapeProto shape = 2",
                 "int32 shard_id = 3", "int64 offset = 4", "int64 size = 5", "fixed32 crc32c = 6",
                 "repeated TensorSliceProto slices = 7"),
        _message("CheckpointState", "string model_checkpoint_path = 1",
                 "repeated string all_model_checkpoint_paths = 2",
                 "repeated double all_model_checkpoint_timestamps = 3",
                 "double last_preserved_timestamp = 4"),
        _message("TrackableObjectGraph", "repeated TrackableObjectGraph.TrackableObject nodes = 1",
                 nested=[_message(
                     "TrackableObject",
                     "repeated TrackableObjectGraph.TrackableObject.ObjectReference children = 1",
                     "repeated TrackableObjectGraph.TrackableObject.SerializedTensor attributes = 2",
                     "repeated TrackableObjectGraph.TrackableObject.SlotVariableReference "
                     "slot_variables = 3",
                     nested=[_message("ObjectReference", "int32 node_id = 1", "string local_name = 2"),
                             _message("SerializedTensor", "string name = 1", "string full_name = 2",
                                      "string checkpoint_key = 3"),
                             _message("SlotVariableReference", "int32 original_variable_node_id = 1",
                                      "string slot_name = 2", "int32 slot_variable_node_id = 3")])]),
    ])

_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_FILE)


def _class(name):
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName("tensorflow." + name))


VersionDef = _class("VersionDef")
TensorShapeProto = _class("TensorShapeProto")
TensorSliceProto = _class("TensorSliceProto")
BundleHeaderProto = _class("BundleHeaderProto")
BundleEntryProto = _class("BundleEntryProto")
CheckpointState = _class("CheckpointState")
TrackableObjectGraph = _class("TrackableObjectGraph")
DataType = EnumTypeWrapper(_POOL.FindEnumTypeByName("tensorflow.DataType"))
