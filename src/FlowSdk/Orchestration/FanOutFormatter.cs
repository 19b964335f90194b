using System.Buffers;
using MessagePack;

namespace FlowSdk;

/// <summary>
/// Writes and reads an execution's fan-out bookkeeping inside its <see cref="ExecutionInfoFormatter"/> map:
/// <c>FanOuts</c> (the groups it started) and <c>FanOutParent</c> (the group that started it), each only
/// when set, so an execution that never met a fan-out is stored exactly as before fan-outs existed.
/// </summary>
internal static class FanOutFormatter
{
    public const string GroupsKey = "FanOuts";
    public const string ParentKey = "FanOutParent";

    /// <summary>How many map keys <see cref="Write"/> adds for <paramref name="info"/>.</summary>
    public static int Keys(ExecutionInfo info) => (info.FanOutCount == 0 ? 0 : 1) + (info.FanOutParent is null ? 0 : 1);

    public static void Write(ref MessagePackWriter writer, ExecutionInfo info)
    {
        if (info.FanOutCount > 0)
        {
            writer.Write(GroupsKey);
            writer.WriteArrayHeader(info.FanOuts.Count);
            foreach (var group in info.FanOuts)
            {
                writer.WriteArrayHeader(9);
                writer.Write(group.Name);
                writer.Write((int)group.Mode);
                writer.Write(group.Expected);
                writer.Write(group.StartedAt.UtcDateTime);
                ExecutionInfoFormatter.WriteTime(ref writer, group.Deadline);
                ExecutionInfoFormatter.WriteTime(ref writer, group.FinishedAt);
                if (group.Outcome is { } outcome)
                {
                    writer.Write((int)outcome);
                }
                else
                {
                    writer.WriteNil();
                }

                writer.WriteArrayHeader(group.Late.Count);
                foreach (var late in group.Late)
                {
                    writer.Write(late);
                }

                writer.WriteArrayHeader(group.Ended.Count);
                foreach (var ended in group.Ended)
                {
                    WriteEnd(ref writer, ended);
                }
            }
        }

        if (info.FanOutParent is { } parent)
        {
            writer.Write(ParentKey);
            writer.WriteArrayHeader(4);
            writer.Write(parent.Flow);
            writer.Write(parent.ExecutionId);
            writer.Write(parent.Group);
            writer.Write(parent.Index);
        }
    }

    public static void ReadGroups(ref MessagePackReader reader, ExecutionInfo info)
    {
        info.FanOuts.Clear();
        var count = reader.ReadArrayHeader();
        for (var i = 0; i < count; i++)
        {
            if (reader.ReadArrayHeader() != 9)
            {
                throw new MessagePackSerializationException("A fan-out group is an array of nine: name, mode, expected, started at, deadline, finished at, outcome, the late children and the children that ended.");
            }

            var group = new FanOutRecord
            {
                Name = reader.ReadString() ?? "",
                Mode = ReadEnum<FanOutMode>(ref reader),
                Expected = reader.ReadInt32(),
                StartedAt = new DateTimeOffset(reader.ReadDateTime()),
                Deadline = ExecutionInfoFormatter.ReadTime(ref reader),
            };
            group.FinishedAt = ExecutionInfoFormatter.ReadTime(ref reader);
            group.Outcome = reader.TryReadNil() ? null : ReadEnum<FanOutOutcome>(ref reader);
            var late = reader.ReadArrayHeader();
            for (var j = 0; j < late; j++)
            {
                group.Late.Add(reader.ReadInt32());
            }

            var ended = reader.ReadArrayHeader();
            for (var j = 0; j < ended; j++)
            {
                group.Ended.Add(ReadEnd(ref reader));
            }

            info.FanOuts.Add(group);
        }
    }

    public static FanOutParent? ReadParent(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (reader.ReadArrayHeader() != 4)
        {
            throw new MessagePackSerializationException("A fan-out parent is an array of four: flow, execution, group and index.");
        }

        return new FanOutParent(reader.ReadString() ?? "", reader.ReadString() ?? "", reader.ReadString() ?? "", reader.ReadInt32());
    }

    /// <summary>Writes a child's end: index, execution id, status, phase, reason, time and the result's bytes (or nil).</summary>
    public static void WriteEnd(ref MessagePackWriter writer, FanOutChildEnd ended)
    {
        writer.WriteArrayHeader(7);
        writer.Write(ended.Index);
        writer.Write(ended.ExecutionId);
        writer.WriteString(ExecutionInfoFormatter.StatusUtf8(ended.Status));
        writer.Write(ended.Phase);
        writer.Write(ended.Reason);
        writer.Write(ended.At.UtcDateTime);
        if (ended.ResultPayload is { } payload)
        {
            writer.Write(payload);
        }
        else
        {
            writer.WriteNil();
        }
    }

    public static FanOutChildEnd ReadEnd(ref MessagePackReader reader)
    {
        if (reader.ReadArrayHeader() != 7)
        {
            throw new MessagePackSerializationException("A child's end is an array of seven: index, execution, status, phase, reason, time and result.");
        }

        var index = reader.ReadInt32();
        var id = reader.ReadString() ?? "";
        var status = ExecutionInfoFormatter.ReadStatus(ref reader);
        var phase = reader.ReadString() ?? "";
        var reason = reader.ReadString();
        var at = new DateTimeOffset(reader.ReadDateTime());
        var payload = reader.TryReadNil() ? null : reader.ReadBytes()?.ToArray();
        return new FanOutChildEnd(index, id, status, phase, reason, at, payload);
    }

    private static T ReadEnum<T>(ref MessagePackReader reader)
        where T : struct, Enum
    {
        var value = reader.ReadInt32();
        var result = (T)(object)value;
        return Enum.IsDefined(result) ? result : throw new MessagePackSerializationException($"{value} is not a {typeof(T).Name}.");
    }
}
