namespace Kernel.Logic.Input
{
    /// <summary>One input event as Linux's input layer passes it: type, code, value and when it happened.</summary>
    public struct InputEvent
    {
        public ulong TimeNs;
        public ushort Type, Code;
        public int Value;

        public InputEvent(ulong timeNs, ushort type, ushort code, int value)
        {
            TimeNs = timeNs;
            Type = type;
            Code = code;
            Value = value;
        }

        /// <summary>A SYN_REPORT: the events before it form one packet.</summary>
        public readonly bool IsReport => Type == InputCodes.EV_SYN && Code == InputCodes.SYN_REPORT;
    }
}
