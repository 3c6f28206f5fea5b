using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Curtail.Core;

namespace Curtail.Controller.Config;

/// <summary>Loads the API's HTTPS certificate: PEM (certificate and key, or both in one file) or PKCS#12 (.pfx, .p12).</summary>
public static class TlsCertificate
{
    public static X509Certificate2 Load(TlsConfig tls, Func<string, string?> environment)
    {
        try
        {
            if (IsPkcs12(tls.CertificatePath))
                return X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, tls.PasswordEnv is { } env ? environment(env) : null);
            var certificate = X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);
            if (!certificate.HasPrivateKey) throw new InvalidInputException(tls.CertificatePath, null, "the certificate has no private key: give controller.tls.key");
            return certificate;
        }
        // A key that does not match the certificate is an ArgumentException; a broken file a CryptographicException.
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new InvalidInputException(tls.CertificatePath, null, $"cannot load the TLS certificate{(tls.KeyPath is null ? "" : $" with key {tls.KeyPath}")}: {ex.Message}");
        }
    }

    public static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
}
