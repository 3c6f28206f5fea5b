namespace Curtail.Modbus.Client;

/// <summary>
/// A Modbus master. Method names and argument order follow NModbus's IModbusMaster (slaveAddress → unitId,
/// startAddress → start, numberOfPoints → count) so NModbus can stand behind this interface one day; ours is
/// async-first with cancellation. Addresses are 0-based wire addresses. Failures throw
/// <see cref="Protocol.ModbusException"/> subclasses: ModbusServerException (typed per exception code),
/// ModbusTimeoutException, ModbusProtocolException, ModbusConnectionException.
/// </summary>
public interface IModbusClient : IAsyncDisposable
{
    Task<bool[]> ReadCoilsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);
    Task<bool[]> ReadInputsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);
    Task<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);
    Task<ushort[]> ReadInputRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default);
    Task WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct = default);
    Task WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct = default);
    Task WriteMultipleCoilsAsync(byte unitId, ushort start, bool[] values, CancellationToken ct = default);
    Task WriteMultipleRegistersAsync(byte unitId, ushort start, ushort[] values, CancellationToken ct = default);
    Task<ushort[]> ReadWriteMultipleRegistersAsync(byte unitId, ushort readStart, ushort readCount,
        ushort writeStart, ushort[] values, CancellationToken ct = default);
}
