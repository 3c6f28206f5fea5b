using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Curtail.Controller.Tests;

/// <summary>Self-signed certificates for 127.0.0.1 and localhost, made in the test: no certificate is checked in.</summary>
public static class TestCertificates
{
    public static X509Certificate2 Create(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = TimeProvider.System.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Writes the certificate and its private key as PEM files; returns their paths.</summary>
    public static (string Certificate, string Key) WritePem(string directory, string name, X509Certificate2? certificate = null)
    {
        certificate ??= Create(name);
        var certPath = Path.Combine(directory, name + ".crt.pem");
        var keyPath = Path.Combine(directory, name + ".key.pem");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
