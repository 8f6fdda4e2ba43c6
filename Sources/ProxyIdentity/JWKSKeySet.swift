import Foundation
import JWTKit

/// The verification keys of one JWKS, each in single-key `JWTKeyCollection`s, one per accepted algorithm.
///
/// One collection per key because jwt-kit's collection falls back to its *default* key when a token's kid is
/// unknown; with exactly one key per collection, the key used is always the one this type selected. One per
/// algorithm because jwt-kit caches the first signer it makes for a JWK without `alg`.
struct JWKSKeySet: Sendable {
    struct Key: Sendable {
        let keyID: String?
        let keyType: JWK.KeyType
        let algorithm: String?
        let curve: String?
        /// Keyed by JWS `alg`; only algorithms that are allowed and fit the key.
        let collections: [String: JWTKeyCollection]
    }

    let keys: [Key]

    /// Parses a JWKS document. Keys with `use` other than `sig`, symmetric (`oct`) keys and keys jwt-kit cannot
    /// decode are skipped; private keys, duplicate kids and a set with no usable key are errors.
    init(document: [UInt8], algorithms: Set<String>) async throws(OIDCError) {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(document))
        } catch {
            throw .invalidJWKS("not JSON: \(error)")
        }
        guard case .object(let object) = root, case .array(let entries)? = object["keys"] else {
            throw .invalidJWKS("no \"keys\" array")
        }
        var keys: [Key] = []
        var seenKeyIDs: Set<String> = []
        for entry in entries {
            guard case .object(let fields) = entry else { throw .invalidJWKS("a key is not a JSON object") }
            if let use = fields["use"], use != .string("sig") { continue }
            if case .string("oct")? = fields["kty"] { continue }
            if fields["d"] != nil { throw .invalidJWKS("the JWKS contains a private key") }
            var keyID: String?
            switch fields["kid"] {
            case .none: keyID = nil
            case .string(let kid)?: keyID = kid
            default: throw .invalidJWKS("a kid is not a string")
            }
            if let keyID, !seenKeyIDs.insert(keyID).inserted {
                throw .invalidJWKS("duplicate kid \(String(reflecting: keyID))")
            }
            var jwk: JWK
            do {
                jwk = try JSONDecoder().decode(JWK.self, from: JSONEncoder().encode(entry))
            } catch {
                continue  // a key type or algorithm jwt-kit does not know
            }
            if jwk.keyIdentifier == nil {
                jwk.keyIdentifier = JWKIdentifier(string: "kubetrail-key-without-kid")
            }
            let shape = (keyType: jwk.keyType, algorithm: jwk.algorithm?.rawValue, curve: jwk.curve?.rawValue)
            var collections: [String: JWTKeyCollection] = [:]
            for algorithm in algorithms.sorted()
            where Self.keyFits(keyType: shape.keyType, ownAlgorithm: shape.algorithm, curve: shape.curve, algorithm: algorithm) {
                guard let jwkAlgorithm = JWK.Algorithm(rawValue: algorithm) else { continue }
                var pinned = jwk
                pinned.algorithm = jwkAlgorithm
                let collection = JWTKeyCollection()
                do {
                    try await collection.add(jwk: pinned)
                } catch {
                    throw .invalidJWKS("key \(keyID ?? "without kid") is unusable: \(error)")
                }
                collections[algorithm] = collection
            }
            keys.append(
                Key(keyID: keyID, keyType: shape.keyType, algorithm: shape.algorithm, curve: shape.curve, collections: collections)
            )
        }
        guard !keys.isEmpty else { throw .invalidJWKS("no usable signature key") }
        self.keys = keys
    }

    /// The single-key collection a token with this header must be verified with.
    func collection(keyID: String?, algorithm: String) throws(OIDCError) -> JWTKeyCollection {
        let key: Key
        if let keyID {
            guard let found = self.keys.first(where: { $0.keyID == keyID }) else { throw .unknownKeyID(keyID) }
            key = found
        } else {
            guard self.keys.count == 1 else { throw .missingKeyID(keyCount: self.keys.count) }
            key = self.keys[0]
        }
        guard let collection = key.collections[algorithm] else {
            throw .keyAlgorithmMismatch(keyID: key.keyID ?? "", algorithm: algorithm)
        }
        return collection
    }

    private static func keyFits(keyType: JWK.KeyType, ownAlgorithm: String?, curve: String?, algorithm: String) -> Bool {
        if let ownAlgorithm, ownAlgorithm != algorithm { return false }
        switch algorithm {
        case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
            return keyType == .rsa
        case "ES256", "ES384", "ES512":
            let curves = ["ES256": "P-256", "ES384": "P-384", "ES512": "P-521"]
            return keyType == .ecdsa && (curve == nil || curve == curves[algorithm])
        case "EdDSA":
            return keyType == .octetKeyPair
        default:
            return false
        }
    }
}
