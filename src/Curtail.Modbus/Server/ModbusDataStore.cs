namespace Curtail.Modbus.Server;

/// <summary>
/// The four Modbus tables of one server. Addresses beyond a table's size are unmapped (exception 02).
/// Lock <see cref="SyncRoot"/> around multi-register updates so a reader never sees half of a 32-bit value.
/// </summary>
public sealed class ModbusDataStore(int coils, int discreteInputs, int holdingRegisters, int inputRegisters)
{
    public object SyncRoot { get; } = new();
    public bool[] Coils { get; } = new bool[coils];
    public bool[] DiscreteInputs { get; } = new bool[discreteInputs];
    public ushort[] HoldingRegisters { get; } = new ushort[holdingRegisters];
    public ushort[] InputRegisters { get; } = new ushort[inputRegisters];
}
