/// A boolean query parameter (`watch`, `follow`, `pretty`, …) read as kube-apiserver reads it
/// (apimachinery's `Convert_Slice_string_To_bool`): the first value counts, and only `0` or
/// `false` (any case) is false; absent is false, and any other value, even empty, is true.
///
/// The proxy and the emulator must agree with the API server here: a proxy that took
/// `?watch=yes` for a plain list would hold a real watch's events back.
public enum QueryFlag {
    public static func isSet(_ name: String, in query: [(String, String)]) -> Bool {
        guard let value = query.first(where: { $0.0 == name })?.1 else { return false }
        return !(value == "0" || value.lowercased() == "false")
    }
}
