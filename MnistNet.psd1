@{
    RootModule           = 'module/MnistNet.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f7e5e-4f0c-4d8a-9a43-6f1d2c7be0a1'
    Author               = 'MnistNet contributors'
    Copyright            = '(c) MnistNet contributors. MIT licence.'
    Description          = 'Train and run neural networks that read handwritten digits (MNIST), with a fast C# core.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('module/MnistNet.Format.ps1xml')
    CmdletsToExport      = @(
        'Import-MnistCsv'
        'Import-MnistIdx'
        'Start-NetworkTraining'
        'Invoke-DigitPrediction'
        'Measure-NetworkAccuracy'
        'Export-Network'
        'Import-Network'
        'Show-Digit'
        'New-Network'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('MNIST', 'NeuralNetwork', 'MachineLearning', 'AVX2')
            ProjectUri = ''
        }
    }
}
