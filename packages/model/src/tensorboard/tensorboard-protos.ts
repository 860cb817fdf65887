// The message definitions TensorBoard reads event files with (TensorFlow's event.proto, summary.proto,
// tensor.proto, tensor_shape.proto, google/protobuf/struct.proto and TensorBoard's hparams plugin_data.proto),
// restricted to the fields our writer uses, for the tests' independent decoder (protobufjs parses this text).

/** The .proto text of the messages an event file holds (Event, Summary, TensorProto, HParams' plugin data). */
export const TENSORBOARD_PROTO = `
syntax = "proto3";
package tensorflow;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}
message Summary {
  message Value {
    string tag = 1;
    oneof value {
      float simple_value = 2;
      HistogramProto histo = 5;
      TensorProto tensor = 8;
    }
    SummaryMetadata metadata = 9;
  }
  repeated Value value = 1;
}
message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
}
message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}
message TensorShapeProto {
  message Dim {
    int64 size = 1;
  }
  repeated Dim dim = 2;
}
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  repeated float float_val = 5 [packed = true];
  repeated bytes string_val = 8;
}
message ProtobufValue {
  oneof kind {
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
  }
}
message SessionStartInfo {
  map<string, ProtobufValue> hparams = 1;
  string group_name = 4;
  double start_time_secs = 5;
}
message HParamsPluginData {
  int32 version = 1;
  oneof data {
    SessionStartInfo session_start_info = 3;
  }
}
`;
